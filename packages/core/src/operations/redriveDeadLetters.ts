import { describeError } from "../describeError.js";
import { DeadLetterNotDeletedError, type DeadLetterStore, type HeldDeadLetter } from "../ports/DeadLetterStore.js";
import type { Logger } from "../ports/Logger.js";

/** Messages moved per second when the operator names no rate: a redrive must not flood the workers. */
export const DEFAULT_REDRIVE_RATE_PER_SECOND = 50;

export interface RedriveOptions {
  /** Only messages of this batch; the others stay in the dead-letter queue. */
  batchId?: string | undefined;
  max?: number | undefined;
  /** Default: `DEFAULT_REDRIVE_RATE_PER_SECOND`. */
  ratePerSecond?: number | undefined;
  /** How long held messages stay invisible; extended while the scan goes on. Default: 120 s. */
  holdSeconds?: number;
  /** Each receive waits this long for a message (long poll). Default: 2 s. */
  waitSeconds?: number;
  /** The queue counts as empty after this many receives in a row bring nothing new. Default: 3. */
  emptyReceives?: number;
  /** Called after each message moved, for a progress bar. */
  onMoved?: (moved: number) => void;
  sleep?: (millis: number) => Promise<void>;
  now?: () => number;
}

export interface RedriveReport {
  moved: number;
  /** Messages seen that the filter left in place, and those parked after the redrive began. */
  skipped: number;
  /** Messages whose hold lapsed before their turn (another reader may have had them): left in place, not sent. */
  lapsed: string[];
  /** Messages sent back whose delete failed: still in the dead-letter queue, so a later redrive would send them again. */
  notDeleted: string[];
}

/**
 * Selective, rate-limited redrive: receives from the dead-letter queue (long polls; empty only after
 * several receives in a row bring nothing new), sends the matching messages parked before it began
 * back to their source
 * queue and deletes each only once its send succeeded; the others are held until the scan ends (so
 * it sees every message once), then released. Every held message's hold is extended before half of
 * it has passed, waits between sends included, so no other reader (`dlq list`, the reconciler's
 * peek) can receive a message while it waits its turn, and the redrive cannot send one that another
 * reader took: a hold found lapsed leaves that message in place. A redriven upload is counted at
 * most once: the worker's guarded statement skips uploads that are already terminal.
 */
export async function redriveDeadLetters(store: DeadLetterStore, logger: Logger, options: RedriveOptions = {}): Promise<RedriveReport> {
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const interval = 1000 / (options.ratePerSecond ?? DEFAULT_REDRIVE_RATE_PER_SECOND);
  const holdSeconds = options.holdSeconds ?? 120;
  const waitSeconds = options.waitSeconds ?? 2;
  const emptyReceivesToStop = options.emptyReceives ?? 3;
  const sleep = options.sleep ?? ((millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis)));
  const now = options.now ?? Date.now;
  const extendEvery = (holdSeconds * 1000) / 2;

  /** Every message held and not yet moved: the skipped ones and the current batch's. */
  const held = new Map<string, HeldDeadLetter>();
  const seen = new Set<string>();
  const report: RedriveReport = { moved: 0, skipped: 0, lapsed: [], notDeleted: [] };
  const startedAt = now();
  let extendedAt = startedAt;
  let nextSendAt = now();

  const keepHeld = async () => {
    if (now() - extendedAt < extendEvery) return;
    const lapsed = await store.extend([...held.values()], holdSeconds);
    extendedAt = now();
    for (const messageId of lapsed) {
      held.delete(messageId);
      report.lapsed.push(messageId);
      logger.warn("dead letter's hold lapsed; left in place", { messageId });
    }
  };
  /** Waits for the next send's turn, extending the holds on the way. */
  const waitForTurn = async () => {
    for (let wait = nextSendAt - now(); wait > 0; wait = nextSendAt - now()) {
      await sleep(Math.min(wait, extendEvery / 2));
      await keepHeld();
    }
    nextSendAt = Math.max(nextSendAt, now()) + interval;
  };

  try {
    let emptyReceives = 0;
    while (report.moved < max && emptyReceives < emptyReceivesToStop) {
      await keepHeld();
      const batch = await store.hold(10, holdSeconds, waitSeconds);
      // Only what was parked before the redrive began: a message that fails again is parked again
      // as a new message, which must not keep the scan going forever.
      for (const message of batch) {
        if (seen.has(message.messageId) || (message.sentAt?.getTime() ?? 0) <= startedAt) continue;
        seen.add(message.messageId);
        held.set(message.messageId, message);
        report.skipped++;
      }
      const fresh = batch.filter((message) => !seen.has(message.messageId));
      // A message seen before came back (its hold lapsed): keep it held, by its newest handle, with the skipped ones.
      for (const message of batch) if (seen.has(message.messageId)) held.set(message.messageId, message);
      emptyReceives = fresh.length === 0 ? emptyReceives + 1 : 0;
      const toMove: HeldDeadLetter[] = [];
      for (const message of fresh) {
        seen.add(message.messageId);
        held.set(message.messageId, message);
        if (report.moved + toMove.length < max && (options.batchId === undefined || message.batchId === options.batchId)) toMove.push(message);
        else report.skipped++;
      }
      for (const message of toMove) {
        await waitForTurn();
        if (!held.has(message.messageId)) continue;
        held.delete(message.messageId);
        try {
          await store.moveToSource(message);
        } catch (error) {
          if (!(error instanceof DeadLetterNotDeletedError)) {
            held.set(message.messageId, message);
            throw error;
          }
          report.notDeleted.push(message.messageId);
          logger.error("dead letter sent back but not deleted", { queue: message.queue, messageId: message.messageId, error: describeError(error) });
        }
        report.moved++;
        options.onMoved?.(report.moved);
        logger.info("dead letter redriven", { queue: message.queue, batchId: message.batchId, uploadId: message.uploadId, messageId: message.messageId });
      }
    }
  } finally {
    await store.release([...held.values()]);
  }
  return report;
}
