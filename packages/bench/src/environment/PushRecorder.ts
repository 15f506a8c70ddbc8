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

/**
 * A real WebSocket client of the local gateway, connected as the owner of the benchmark's batches:
 * counts what each batch pushes to it and wakes whoever waits for a given push.
 */
export class PushRecorder {
  private readonly counts = new Map<string, number>();
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
    return this.counts.get(batchId) ?? 0;
  }

  /** Resolves with the first push from now on that `matches`; rejects after `timeoutMillis`. */
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

  close(): void {
    this.socket?.close();
  }

  private receive(message: PushMessage): void {
    const receivedAt = Date.now();
    const batchId = batchIdOf(message);
    if (batchId) this.counts.set(batchId, (this.counts.get(batchId) ?? 0) + 1);
    const matched = this.waiters.filter((waiter) => waiter.matches(message));
    if (matched.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => !matched.includes(waiter));
    for (const waiter of matched) waiter.resolve({ message, receivedAt });
  }
}

/** The pipeline's pushes carry `batchId`; the seed's carry `payload.batch_id`. */
function batchIdOf(message: PushMessage): string | undefined {
  if (typeof message.batchId === "string") return message.batchId;
  const payload = message.payload as { batch_id?: unknown } | undefined;
  return typeof payload?.batch_id === "string" ? payload.batch_id : undefined;
}
