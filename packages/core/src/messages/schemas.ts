import { z } from "zod";
import { UPLOAD_STAGES } from "../upload/types.js";
import { UPLOAD_STATUSES } from "../upload/uploadStatus.js";

/**
 * Body of a batches-queue message: start the batch, or top up its window. (A `cursor` field, which
 * the fan-out's follow-up messages carried before windows, is ignored like any unknown field.)
 */
export const batchMessageSchema = z.object({
  batchId: z.uuid(),
});
export type BatchMessage = z.infer<typeof batchMessageSchema>;

/** Body of an uploads-queue message. */
export const uploadMessageSchema = z.object({
  batchId: z.uuid(),
  uploadId: z.uuid(),
});
export type UploadMessage = z.infer<typeof uploadMessageSchema>;

/** A worker invocation reports at most its batch size of changes; this bounds a bad message. */
const MAX_CHANGES_PER_PROGRESS_MESSAGE = 1000;

/** Body of a progress-queue message: what one worker invocation moved in one batch. */
export const progressMessageSchema = z.object({
  batchId: z.uuid(),
  changes: z
    .array(
      z.object({
        uploadId: z.uuid(),
        status: z.enum(UPLOAD_STATUSES),
        error: z.string().max(2000).optional(),
        stage: z.enum(UPLOAD_STAGES).optional(),
      }),
    )
    .max(MAX_CHANGES_PER_PROGRESS_MESSAGE),
});
export type ProgressMessage = z.infer<typeof progressMessageSchema>;
