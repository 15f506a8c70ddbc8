import type { BatchPage, BatchReader } from "../ports/BatchReader.js";

export const MAX_UPLOADS_PER_PAGE = 500;

/**
 * A page of a batch for its owner. Another user's batch answers exactly as an unknown one does, so
 * a client cannot even learn that it exists (I6).
 */
export async function readBatch(
  reader: BatchReader,
  userId: string,
  batchId: string,
  options: { after?: string | null; limit?: number } = {},
): Promise<BatchPage | undefined> {
  const limit = Math.min(Math.max(1, options.limit ?? MAX_UPLOADS_PER_PAGE), MAX_UPLOADS_PER_PAGE);
  const page = await reader.page(batchId, { after: options.after ?? null, limit });
  return page && page.batch.userId === userId ? page : undefined;
}
