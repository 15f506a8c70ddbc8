export const BATCH_STATUSES = ["pending", "processing", "completed", "failed", "cancelled"] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const TERMINAL_BATCH_STATUSES = ["completed", "failed", "cancelled"] as const satisfies readonly BatchStatus[];
export type TerminalBatchStatus = (typeof TERMINAL_BATCH_STATUSES)[number];

export function isTerminalBatchStatus(status: BatchStatus): status is TerminalBatchStatus {
  return (TERMINAL_BATCH_STATUSES as readonly BatchStatus[]).includes(status);
}
