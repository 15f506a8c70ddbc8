import type { SQSClient } from "@aws-sdk/client-sqs";
import type pg from "pg";
import { queueDepth } from "./queueDepth.js";

/** What the sampler saw of one watched batch, at most, over its samples. */
export interface WatchedBatchPeak {
  /** Uploads of the batch the worker was processing (`processing`, `analyzing`, `embedding`). */
  processing: number;
  /** Its window's occupancy as the release statements count it: released (up to the cursor), not held, unfinished. */
  inWindow: number;
}

export interface FlowSamples {
  samples: number;
  /** Per watched batch, in the order given. */
  batches: WatchedBatchPeak[];
  /** The uploads queue: most messages waiting, most received at once. */
  queueWaiting: number;
  queueReceived: number;
}

// Only the window's rows are read (the cursor bounds them, the partial index skips finished ones),
// so a sample of a 30,000-upload batch costs what one of 40 does.
const SAMPLE = `
  SELECT b.id,
         count(u.id) FILTER (WHERE u.processing_status IN ('processing', 'analyzing', 'embedding'))::int AS processing,
         count(u.id) FILTER (WHERE NOT u.held)::int AS in_window
    FROM upload_batches b
    LEFT JOIN uploads u ON u.batch_id = b.id AND u.id <= b.release_cursor
                       AND u.processing_status NOT IN ('completed', 'failed', 'cancelled')
   WHERE b.id = ANY($1::uuid[])
   GROUP BY b.id`;

/**
 * Samples, every `intervalMillis` until stopped, how many uploads of the watched batches are in
 * flight and how deep the uploads queue is: what the lead needs to see when a batch behind them
 * takes longer than it should. One sample at a time; a slow one delays the next.
 */
export class FlowSampler {
  private readonly peaks: WatchedBatchPeak[];
  private queueWaiting = 0;
  private queueReceived = 0;
  private samples = 0;
  private running = true;
  private failure: unknown;
  private readonly loop: Promise<void>;

  constructor(
    private readonly admin: pg.Pool,
    private readonly sqs: SQSClient,
    private readonly uploadsQueueUrl: string,
    private readonly batchIds: readonly string[],
    private readonly intervalMillis = 250,
  ) {
    this.peaks = batchIds.map(() => ({ processing: 0, inWindow: 0 }));
    // Kept until stop(): a rejection nobody awaits yet would end the process.
    this.loop = this.run().catch((error: unknown) => {
      this.failure = error;
    });
  }

  async stop(): Promise<FlowSamples> {
    this.running = false;
    await this.loop;
    if (this.failure !== undefined) throw new Error("sampling the flow failed", { cause: this.failure });
    return { samples: this.samples, batches: this.peaks, queueWaiting: this.queueWaiting, queueReceived: this.queueReceived };
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.sample();
      await new Promise((resolve) => setTimeout(resolve, this.intervalMillis));
    }
  }

  private async sample(): Promise<void> {
    const [{ rows }, depth] = await Promise.all([
      this.admin.query<{ id: string; processing: number; in_window: number }>(SAMPLE, [this.batchIds]),
      queueDepth(this.sqs, this.uploadsQueueUrl),
    ]);
    for (const row of rows) {
      const peak = this.peaks[this.batchIds.indexOf(row.id)];
      if (!peak) continue;
      peak.processing = Math.max(peak.processing, row.processing);
      peak.inWindow = Math.max(peak.inWindow, row.in_window);
    }
    this.queueWaiting = Math.max(this.queueWaiting, depth.waiting);
    this.queueReceived = Math.max(this.queueReceived, depth.received);
    this.samples++;
  }
}
