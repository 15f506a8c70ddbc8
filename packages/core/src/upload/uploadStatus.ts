export const UPLOAD_STATUSES = ["pending", "processing", "analyzing", "embedding", "completed", "failed", "cancelled"] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

export const TERMINAL_UPLOAD_STATUSES = ["completed", "failed", "cancelled"] as const satisfies readonly UploadStatus[];
export type TerminalUploadStatus = (typeof TERMINAL_UPLOAD_STATUSES)[number];

export function isTerminalUploadStatus(status: UploadStatus): status is TerminalUploadStatus {
  return (TERMINAL_UPLOAD_STATUSES as readonly UploadStatus[]).includes(status);
}
