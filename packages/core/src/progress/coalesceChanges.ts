import type { ProgressMessage } from "../messages/schemas.js";
import type { UploadChange } from "../upload/types.js";
import { isTerminalUploadStatus } from "../upload/uploadStatus.js";

/**
 * Folds progress messages into one list of changes per batch, one entry per upload. A terminal
 * state is never replaced by a non-terminal one that arrived out of order.
 */
export function coalesceChanges(messages: readonly ProgressMessage[]): Map<string, UploadChange[]> {
  const byBatch = new Map<string, Map<string, UploadChange>>();
  for (const message of messages) {
    let uploads = byBatch.get(message.batchId);
    if (!uploads) {
      uploads = new Map();
      byBatch.set(message.batchId, uploads);
    }
    for (const change of message.changes) {
      const previous = uploads.get(change.uploadId);
      if (previous && isTerminalUploadStatus(previous.status) && !isTerminalUploadStatus(change.status)) continue;
      uploads.set(change.uploadId, change);
    }
  }
  return new Map([...byBatch].map(([batchId, uploads]) => [batchId, [...uploads.values()]]));
}
