/*
 * A faithful TypeScript port of the seed's sequential batch worker, for the benchmark to measure the
 * seed's design against the pipeline on the same Postgres and the same uploads. It ports
 * (vuemantics, backend/workers/):
 *
 * - `batch_processor._process_batch_async`: `find_by_id`; skip a completed or cancelled batch;
 *   `update_status(processing)`; publish batch progress; `SELECT * FROM uploads WHERE batch_id = $1
 *   ORDER BY created_at` (every upload into memory); then one upload at a time: skip-and-increment
 *   if already completed (the seed's double count on resume included), publish file progress
 *   (processing, 0), process with retry, publish file progress (completed or failed, 100),
 *   `increment_progress` (one UPDATE of the batch row per upload), publish batch progress; at the
 *   end `update_status(completed)` whether or not uploads failed, and a last batch progress.
 * - `batch_helpers._process_upload_with_retry`: at most 2 attempts; on the first, file progress 5
 *   and 10 around the thumbnail step; the AI step runs while a monitor re-reads the upload row every
 *   300 ms and publishes file progress as its status moves analyzing → embedding; then the row is
 *   re-read; after the last failure `update_status(failed, "Failed after retry")`.
 * - `services.ai.service.LocalAIService.analyze_media`: `find_by_id`, `update_status(analyzing)`,
 *   the vision and embedding models (here the pipeline's simulated processor, whose one latency
 *   stands for both), `update_status(embedding)`, `update_analysis` (description, embedding,
 *   `completed`); on error `update_status(failed, "AI processing failed: …")`. The seed never
 *   writes `processing` to an upload row: that word only appears in its file-progress pushes.
 *
 * What the monitor costs: one SELECT per 300 ms of AI time per upload, plus a push when the mapped
 * percentage moves. With the benchmark's 50 ms latency it never wakes (the AI step ends first);
 * with a real model taking seconds it adds about 3 reads a second per upload. `stats.monitorReads`
 * counts them.
 *
 * Left out: Celery and `ensure_worker_initialized`; logging; thumbnail generation (the simulated
 * processor makes no thumbnail, as in the pipeline's run, so `update_thumbnail` never runs); the
 * vision model's description-audit retry and video frame extraction; the AI service's own pushes to
 * per-upload Redis channels (`upload:{id}`), which reach only clients that subscribed to that upload,
 * and the benchmark's client subscribes to none. Pushes and model methods: see SeedPublisher.ts and
 * seedModels.ts. asyncpg becomes node-postgres, over TCP, with asyncpg's default pool of 10.
 */
import type { UploadProcessor } from "@pipeline/core";
import type pg from "pg";
import {
  findBatch,
  findUpload,
  incrementProgress,
  refreshUpload,
  updateAnalysis,
  updateBatchStatus,
  updateUploadStatus,
  uploadsOfBatch,
  UploadDeletedError,
  type SeedBatch,
  type SeedUpload,
} from "./seedModels.js";
import type { SeedPublisher } from "./SeedPublisher.js";

const MAX_ATTEMPTS = 2;
const MONITOR_INTERVAL_MILLIS = 300;
const MONITOR_BACKOFF_MILLIS = 1000;

export interface SeedWorkerStats {
  /** Rows the progress monitor re-read. */
  monitorReads: number;
}

export class SeedBatchWorker {
  readonly stats: SeedWorkerStats = { monitorReads: 0 };

  constructor(
    private readonly sql: pg.Pool,
    private readonly processor: UploadProcessor,
    private readonly publisher: SeedPublisher,
  ) {}

  /** `_process_batch_async`. */
  async processBatch(batchId: string): Promise<void> {
    const batch = await findBatch(this.sql, batchId);
    if (!batch) return;
    if (batch.status === "completed" || batch.status === "cancelled") return;

    await updateBatchStatus(this.sql, batch, "processing");
    await this.publisher.publishBatchProgress(batch);

    // The seed only logs a warning when this differs from total_uploads, and then never finishes.
    const uploads = await uploadsOfBatch(this.sql, batchId);

    for (const upload of uploads) {
      if (upload.processing_status === "completed") {
        await incrementProgress(this.sql, batch, true);
        await this.publisher.publishBatchProgress(batch);
        continue;
      }
      await this.publisher.publishFileProgress(batch, upload, "processing", 0);
      const success = await this.processUploadWithRetry(upload, batch);
      await this.publisher.publishFileProgress(batch, upload, success ? "completed" : "failed", 100);
      await incrementProgress(this.sql, batch, success);
      await this.publisher.publishBatchProgress(batch);
    }

    await updateBatchStatus(this.sql, batch, "completed");
    await this.publisher.publishBatchProgress(batch);
  }

  /** `process_upload_with_retry`. */
  private async processUploadWithRetry(upload: SeedUpload, batch: SeedBatch): Promise<boolean> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        if (attempt === 1 && !upload.thumbnail_path) {
          await this.publisher.publishFileProgress(batch, upload, "processing", 5);
          await this.publisher.publishFileProgress(batch, upload, "processing", 10);
        }
        const monitor = this.monitorAiProgress(upload, batch);
        try {
          await this.analyzeMedia(upload.id);
        } finally {
          await monitor.stop();
        }
        await refreshUpload(this.sql, upload);
        if (upload.processing_status === "completed") return true;
      } catch {
        // The seed logs the error; the next attempt, if any, follows.
      }
    }
    try {
      await updateUploadStatus(this.sql, upload, "failed", "Failed after retry");
    } catch {
      // The seed logs it and reports the upload failed all the same.
    }
    return false;
  }

  /** The monitor task of `process_upload_with_retry`: re-reads the row every 300 ms while the AI step runs. */
  private monitorAiProgress(upload: SeedUpload, batch: SeedBatch): { stop(): Promise<void> } {
    const cancel = new AbortController();
    const { signal } = cancel;
    const run = async () => {
      let lastProgress = 10;
      const startedAt = performance.now();
      while (await sleep(MONITOR_INTERVAL_MILLIS, signal)) {
        try {
          this.stats.monitorReads++;
          await refreshUpload(this.sql, upload);
        } catch (error) {
          if (error instanceof UploadDeletedError) return;
          await sleep(MONITOR_BACKOFF_MILLIS, signal);
          continue;
        }
        if (signal.aborted) return;
        const elapsedSeconds = (performance.now() - startedAt) / 1000;
        let progress: number;
        if (upload.processing_status === "analyzing") {
          progress = lastProgress < 50 ? Math.min(50, lastProgress + 2) : Math.max(lastProgress, 50 + Math.min(25, Math.trunc(elapsedSeconds)));
        } else if (upload.processing_status === "embedding") {
          progress = Math.min(90, Math.max(75, lastProgress + 2));
        } else {
          return;
        }
        if (progress > lastProgress) {
          await this.publisher.publishFileProgress(batch, upload, "processing", progress);
          lastProgress = progress;
        }
      }
    };
    const running = run();
    return {
      async stop() {
        cancel.abort();
        await running;
      },
    };
  }

  /** `LocalAIService.analyze_media`. */
  private async analyzeMedia(uploadId: string): Promise<void> {
    const upload = await findUpload(this.sql, uploadId);
    if (!upload) return;
    try {
      await updateUploadStatus(this.sql, upload, "analyzing");
      const result = await this.processor.process(
        {
          id: upload.id,
          batchId: upload.batch_id,
          userId: upload.user_id,
          filename: upload.filename,
          filePath: upload.file_path,
          fileType: upload.file_type,
          fileSize: upload.file_size === null ? null : Number(upload.file_size),
          mimeType: upload.mime_type,
          attempts: 1,
          stored: { thumbnailPath: upload.thumbnail_path, metadata: null, description: upload.description, hasEmbedding: upload.embedding !== null },
        },
        { signal: new AbortController().signal, reportStage: () => {} },
      );
      await updateUploadStatus(this.sql, upload, "embedding");
      await updateAnalysis(this.sql, upload, result.description ?? "", result.embedding ?? []);
    } catch (error) {
      await updateUploadStatus(this.sql, upload, "failed", `AI processing failed: ${String(error instanceof Error ? error.message : error).slice(0, 500)}`);
    }
  }
}

/** Resolves true after `millis`, or false at once when cancelled (the seed's task.cancel()). */
function sleep(millis: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, millis);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
