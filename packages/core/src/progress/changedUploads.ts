import type { ProgressMessage } from "../messages/schemas.js";

/**
 * What an invocation's progress messages name: per batch, the uploads said to have changed, each
 * once. Only a hint of where to look: what is pushed about them is read from their rows, so a
 * message claiming a state (forged, late or out of order) cannot make a client show it.
 */
export function changedUploads(messages: readonly ProgressMessage[]): Map<string, string[]> {
  const byBatch = new Map<string, Set<string>>();
  for (const message of messages) {
    const uploads = byBatch.get(message.batchId) ?? new Set<string>();
    byBatch.set(message.batchId, uploads);
    for (const change of message.changes) uploads.add(change.uploadId);
  }
  return new Map([...byBatch].map(([batchId, uploads]) => [batchId, [...uploads]]));
}
