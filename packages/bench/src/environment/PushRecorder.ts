import { issueToken } from "@pipeline/adapters/auth";
import { PipelineClient, type PushMessage } from "@pipeline/local";

export interface ReceivedPush {
  message: PushMessage;
  /** Epoch milliseconds, when the client's socket delivered it. */
  receivedAt: number;
}

interface Waiter {
  matches(message: PushMessage): boolean;
  resolve(push: ReceivedPush): void;
}

/** What the connection received for one batch, replies to its own requests left out. */
interface BatchPushes {
  /** Epoch milliseconds of each push, in arrival order. */
  arrivals: number[];
  completions: ReceivedPush[];
}

/** Frames that answer this client's own requests rather than report progress. */
const REPLY_TYPES = new Set(["batch.snapshot", "error"]);

/**
 * A real WebSocket client of the local gateway, connected as the owner of the benchmark's batches:
 * records what each batch pushes to it and wakes whoever waits for a given frame.
 */
export class PushRecorder {
  private readonly batches = new Map<string, BatchPushes>();
  private waiters: Waiter[] = [];
  private socket: Awaited<ReturnType<PipelineClient["connect"]>> | undefined;

  private constructor() {}

  static async connect(wsUrl: string, authSecret: string, userId: string): Promise<PushRecorder> {
    // Only the WebSocket side of the client is used: no HTTP call is made.
    const client = new PipelineClient("http://unused.invalid", wsUrl, await issueToken(authSecret, userId));
    const recorder = new PushRecorder();
    recorder.socket = await client.connect((message) => recorder.receive(message));
    return recorder;
  }

  /** Pushes this connection received for a batch: the pipeline's and the seed port's alike. */
  pushesFor(batchId: string): number {
    return this.batches.get(batchId)?.arrivals.length ?? 0;
  }

  /** When each push for a batch arrived, epoch milliseconds, in order. */
  arrivalsFor(batchId: string): readonly number[] {
    return this.batches.get(batchId)?.arrivals ?? [];
  }

  /** `batch.completed` pushes this connection received for a batch: exactly one when the pipeline is right. */
  completionsFor(batchId: string): number {
    return this.batches.get(batchId)?.completions.length ?? 0;
  }

  /** The batch's first `batch.completed` on this connection, already received or still to come; rejects after `timeoutMillis`. */
  completion(batchId: string, timeoutMillis: number): Promise<ReceivedPush> {
    const received = this.batches.get(batchId)?.completions[0];
    if (received) return Promise.resolve(received);
    return this.waitFor((message) => message.type === "batch.completed" && message.batchId === batchId, timeoutMillis, `batch.completed for batch ${batchId}`);
  }

  /** Resolves with the first frame from now on that `matches`; rejects after `timeoutMillis`. */
  waitFor(matches: (message: PushMessage) => boolean, timeoutMillis: number, what: string): Promise<ReceivedPush> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        matches,
        resolve: (push) => {
          clearTimeout(timer);
          resolve(push);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((candidate) => candidate !== waiter);
        reject(new Error(`no ${what} within ${timeoutMillis} ms`));
      }, timeoutMillis);
      this.waiters.push(waiter);
    });
  }

  /** Sends a client frame (a route's request) on this connection. */
  send(frame: Record<string, unknown>): void {
    if (!this.socket) throw new Error("the recorder is not connected");
    this.socket.send(JSON.stringify(frame));
  }

  close(): void {
    this.socket?.close();
  }

  private receive(message: PushMessage): void {
    const push = { message, receivedAt: Date.now() };
    const batchId = batchIdOf(message);
    if (batchId && !REPLY_TYPES.has(message.type)) {
      const batch = this.batches.get(batchId) ?? { arrivals: [], completions: [] };
      batch.arrivals.push(push.receivedAt);
      if (message.type === "batch.completed") batch.completions.push(push);
      this.batches.set(batchId, batch);
    }
    const matched = this.waiters.filter((waiter) => waiter.matches(message));
    if (matched.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => !matched.includes(waiter));
    for (const waiter of matched) waiter.resolve(push);
  }
}

/** The pipeline's pushes carry `batchId`; the seed's carry `payload.batch_id`. */
function batchIdOf(message: PushMessage): string | undefined {
  if (typeof message.batchId === "string") return message.batchId;
  const payload = message.payload as { batch_id?: unknown } | undefined;
  return typeof payload?.batch_id === "string" ? payload.batch_id : undefined;
}
