import { describeError } from "../describeError.js";
import type { Logger } from "../ports/Logger.js";
import type { ProgressQueue } from "../ports/queues.js";
import type { UploadChange, UploadStage } from "../upload/types.js";

/**
 * Collects the stages uploads finish during one invocation and sends them as at most one progress
 * message per batch per interval, so per-file progress costs a bounded number of messages however
 * many uploads and stages there are. Best effort: a lost stage report is superseded by the
 * terminal outcome.
 */
export class StageReportBuffer {
  private pending = new Map<string, Map<string, UploadChange>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly queue: ProgressQueue,
    private readonly intervalMillis: number,
    private readonly logger: Logger,
  ) {}

  report(batchId: string, uploadId: string, stage: UploadStage): void {
    let uploads = this.pending.get(batchId);
    if (!uploads) {
      uploads = new Map();
      this.pending.set(batchId, uploads);
    }
    uploads.set(uploadId, { uploadId, status: "processing", stage });
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.flush();
    }, this.intervalMillis);
  }

  /** Drops what is not sent yet (the outcomes supersede it) and waits for a send in flight. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    await this.inFlight;
  }

  private async flush(): Promise<void> {
    const batches = this.pending;
    this.pending = new Map();
    await Promise.all(
      [...batches].map(([batchId, uploads]) =>
        this.queue.send({ batchId, changes: [...uploads.values()] }).catch((error: unknown) => {
          this.logger.warn("stage report not sent", { batchId, error: describeError(error) });
        }),
      ),
    );
  }
}
