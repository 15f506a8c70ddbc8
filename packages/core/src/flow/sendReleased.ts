import { describeError } from "../describeError.js";
import type { Logger } from "../ports/Logger.js";
import type { UploadQueue } from "../ports/queues.js";
import type { UploadRepository } from "../ports/UploadRepository.js";
import { ownerKeySegment } from "../upload/objectKeys.js";
import type { Release } from "./batchFlow.js";

export interface SendReleasedDeps {
  uploadQueue: UploadQueue;
  uploads: Pick<UploadRepository, "hold">;
  logger: Logger;
}

/**
 * Sends the messages of uploads a release statement took into the window. If they cannot be sent,
 * the uploads are held, so the batch's next release sends them first, and the error is rethrown.
 * (If holding fails too, the reconciler re-sends released uploads that never started.)
 */
export async function sendReleased(deps: SendReleasedDeps, batchId: string, release: Release): Promise<void> {
  const { uploadIds } = release;
  if (uploadIds.length === 0) return;
  try {
    // The owner's hashed id (as in object keys): the queue's fairness key, without the id itself.
    const fairnessKey = release.ownerId ? await ownerKeySegment(release.ownerId) : undefined;
    await deps.uploadQueue.sendAll(uploadIds.map((uploadId) => ({ batchId, uploadId })), fairnessKey ? { fairnessKey } : {});
  } catch (error) {
    deps.logger.error("released uploads could not be sent; holding them for the next release", { batchId, uploads: uploadIds.length, error: describeError(error) });
    await deps.uploads.hold(batchId, uploadIds).catch((holdError: unknown) => {
      deps.logger.error("released uploads could not be held either; the reconciler will re-send them", { batchId, error: describeError(holdError) });
    });
    throw error;
  }
}
