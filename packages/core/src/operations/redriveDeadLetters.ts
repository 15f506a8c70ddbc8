import type { HeldDeadLetter, DeadLetterStore } from "../ports/DeadLetterStore.js";
import type { Logger } from "../ports/Logger.js";

export interface RedriveOptions {
  /** Only messages of this batch; the others stay in the dead-letter queue. */
  batchId?: string | undefined;
  max?: number | undefined;
  ratePerSecond?: number | undefined;
  /** Called after each message moved, for a progress bar. */
  onMoved?: (moved: number) => void;
  sleep?: (millis: number) => Promise<void>;
}

export interface RedriveReport {
  moved: number;
  /** Messages seen that the filter left in place. */
  skipped: number;
}

/** How long held messages stay invisible while the scan goes on. */
const HOLD_SECONDS = 120;

/**
 * Selective, rate-limited redrive: receives from the dead-letter queue, sends the matching messages
 * back to their source queue and deletes each only once its send succeeded; the others are held
 * until the scan ends (so it sees every message once), then released. A redriven upload is counted
 * at most once: the worker's guarded statement skips uploads that are already terminal.
 */
export async function redriveDeadLetters(store: DeadLetterStore, logger: Logger, options: RedriveOptions = {}): Promise<RedriveReport> {
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const interval = options.ratePerSecond ? 1000 / options.ratePerSecond : 0;
  const sleep = options.sleep ?? ((millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis)));
  const held: HeldDeadLetter[] = [];
  const seen = new Set<string>();
  let moved = 0;
  let nextSendAt = Date.now();
  try {
    while (moved < max) {
      const batch = await store.hold(10, HOLD_SECONDS);
      const fresh = batch.filter((message) => !seen.has(message.messageId));
      if (fresh.length === 0) {
        held.push(...batch);
        break;
      }
      for (const message of fresh) {
        seen.add(message.messageId);
        if (moved >= max || (options.batchId !== undefined && message.batchId !== options.batchId)) {
          held.push(message);
          continue;
        }
        if (interval > 0) {
          const wait = nextSendAt - Date.now();
          if (wait > 0) await sleep(wait);
          nextSendAt = Math.max(nextSendAt, Date.now()) + interval;
        }
        await store.moveToSource(message);
        moved++;
        options.onMoved?.(moved);
        logger.info("dead letter redriven", { queue: message.queue, batchId: message.batchId, uploadId: message.uploadId, messageId: message.messageId });
      }
    }
  } finally {
    await store.release(held);
  }
  return { moved, skipped: new Set(held.map((message) => message.messageId)).size };
}
