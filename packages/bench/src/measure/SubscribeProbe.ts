import type { PushMessage } from "@pipeline/local";
import { PushRecorder } from "../environment/PushRecorder.js";
import type { SubscribeLatency } from "../report/BenchmarkReport.js";
import { percentile } from "./percentile.js";

/** A reply later than this counts as unanswered. */
const REPLY_TIMEOUT_MILLIS = 10_000;

export interface SubscribeProbeOptions {
  wsUrl: string;
  authSecret: string;
  userId: string;
  /** A `subscribe` is sent this often. */
  intervalMillis: number;
  /** Each connection has at most one `subscribe` awaiting its reply, so that each reply is matched to its request. */
  connections: number;
}

/**
 * A browser's catch-up request, timed: `subscribe` sent every `intervalMillis` on one of its own
 * connections that has no request outstanding, and the time to the batch's snapshot (or error)
 * frame recorded. A tick that finds every connection waiting is counted as skipped, not delayed, so
 * slow replies show as skipped ticks instead of stretching the schedule.
 */
export class SubscribeProbe {
  private run: ProbeRun = newRun();
  private readonly busy = new Set<PushRecorder>();
  private timer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    readonly recorders: readonly PushRecorder[],
    private readonly intervalMillis: number,
  ) {}

  static async connect(options: SubscribeProbeOptions): Promise<SubscribeProbe> {
    const recorders = await Promise.all(Array.from({ length: options.connections }, () => PushRecorder.connect(options.wsUrl, options.authSecret, options.userId)));
    return new SubscribeProbe(recorders, options.intervalMillis);
  }

  /** One `subscribe`, and its reply's latency in ms. */
  async subscribeOnce(batchId: string): Promise<number> {
    const recorder = this.recorders[0];
    if (!recorder) throw new Error("the probe has no connection");
    return this.request(recorder, batchId);
  }

  /** Starts sending `subscribe` for `batchId`, with fresh figures. */
  start(batchId: string): void {
    this.stop();
    // A reply to a request of an earlier run lands in that run's figures.
    this.run = newRun();
    this.timer = setInterval(() => this.tick(batchId), this.intervalMillis);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The figures since `start`: replies still awaited are left out. */
  latency(): SubscribeLatency {
    const { samples: answered, sent, unanswered, skipped } = this.run;
    return {
      intervalMillis: this.intervalMillis,
      connections: this.recorders.length,
      sent,
      answered: answered.length,
      unanswered,
      skippedTicks: skipped,
      p50Millis: answered.length > 0 ? percentile(answered, 50) : null,
      p95Millis: answered.length > 0 ? percentile(answered, 95) : null,
      maxMillis: answered.length > 0 ? Math.max(...answered) : null,
    };
  }

  close(): void {
    this.stop();
    for (const recorder of this.recorders) recorder.close();
  }

  private tick(batchId: string): void {
    const { run } = this;
    const recorder = this.recorders.find((candidate) => !this.busy.has(candidate));
    if (!recorder) {
      run.skipped++;
      return;
    }
    run.sent++;
    this.request(recorder, batchId).then(
      (millis) => run.samples.push(millis),
      () => run.unanswered++,
    );
  }

  private async request(recorder: PushRecorder, batchId: string): Promise<number> {
    this.busy.add(recorder);
    try {
      const reply = recorder.waitFor((message) => isReplyFor(message, batchId), REPLY_TIMEOUT_MILLIS, `a reply to subscribe for batch ${batchId}`);
      const sentAt = performance.now();
      recorder.send({ action: "subscribe", batchId });
      await reply;
      return performance.now() - sentAt;
    } finally {
      this.busy.delete(recorder);
    }
  }
}

interface ProbeRun {
  samples: number[];
  sent: number;
  skipped: number;
  unanswered: number;
}

function newRun(): ProbeRun {
  return { samples: [], sent: 0, skipped: 0, unanswered: 0 };
}

function isReplyFor(message: PushMessage, batchId: string): boolean {
  return (message.type === "batch.snapshot" || message.type === "error") && message.batchId === batchId;
}
