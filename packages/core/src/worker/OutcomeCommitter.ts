import { describeError } from "../describeError.js";
import type { Logger } from "../ports/Logger.js";
import type { Metrics } from "../ports/Metrics.js";
import type { ProgressQueue, UploadQueue } from "../ports/queues.js";
import type { FlowPolicy, Release } from "../flow/batchFlow.js";
import { sendReleased } from "../flow/sendReleased.js";
import type { UploadRepository } from "../ports/UploadRepository.js";
import type { UploadChange, UploadOutcome } from "../upload/types.js";

interface Pending {
  outcomes: UploadOutcome[];
  changes: UploadChange[];
  messageIds: string[];
}

export interface OutcomeCommitterDeps {
  uploads: UploadRepository;
  progress: ProgressQueue;
  /** Where the uploads released by an outcome commit (the window's refill) are sent. */
  uploadQueue: UploadQueue;
  flow: FlowPolicy;
  logger: Logger;
  metrics?: Metrics;
}

/**
 * Group commit for one invocation: outcomes wait at most `lingerMillis` for others to join them,
 * then each batch's group is committed in one guarded statement and reported in one progress
 * message. A fast invocation commits once; a slow upload no longer holds up the ones that finished
 * beside it (the seed's "one slow upload holds up the whole batch").
 */
export class OutcomeCommitter {
  private pending = new Map<string, Pending>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Messages whose commit or report failed, with the reason: they must be requeued. */
  readonly failed = new Map<string, string>();
  /** Batches whose commit failed: it may have committed all the same (its answer lost), refill included. */
  readonly uncertain = new Set<string>();

  constructor(
    private readonly deps: OutcomeCommitterDeps,
    private readonly lingerMillis: number,
  ) {}

  add(batchId: string, messageId: string, entry: { outcome?: UploadOutcome; change?: UploadChange }): void {
    let pending = this.pending.get(batchId);
    if (!pending) {
      pending = { outcomes: [], changes: [], messageIds: [] };
      this.pending.set(batchId, pending);
    }
    pending.messageIds.push(messageId);
    if (entry.outcome) pending.outcomes.push(entry.outcome);
    if (entry.change) pending.changes.push(entry.change);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.lingerMillis);
  }

  /** Commits whatever is still waiting and waits for every commit to end. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
    await this.flushing;
  }

  private flush(): void {
    const groups = this.pending;
    this.pending = new Map();
    if (groups.size === 0) return;
    this.flushing = this.flushing.then(() => Promise.all([...groups].map(([batchId, group]) => this.commit(batchId, group))).then(() => {}));
  }

  private async commit(batchId: string, group: Pending): Promise<void> {
    const { deps } = this;
    let released: Release = { ownerId: "", uploadIds: [] };
    try {
      if (group.outcomes.length > 0) {
        const recorded = await deps.uploads.recordOutcomes(batchId, group.outcomes, deps.flow);
        released = recorded.released;
        deps.logger.info("upload outcomes committed", { batchId, outcomes: group.outcomes.length, counted: recorded.counted, released: released.uploadIds.length });
        deps.metrics?.count("UploadsCompleted", recorded.completed);
        deps.metrics?.count("UploadsFailed", recorded.failed);
      }
      if (group.changes.length > 0) await deps.progress.send({ batchId, changes: group.changes });
    } catch (error) {
      // A redelivery finds committed uploads terminal and reports them again: nothing is lost.
      const described = describeError(error);
      const reason = `commit or progress report failed: ${described.message}`;
      deps.logger.error(reason, { batchId, error: described });
      for (const messageId of group.messageIds) this.failed.set(messageId, reason);
      if (released.uploadIds.length === 0) this.uncertain.add(batchId);
    }
    // The refill is sent whatever happened to the report: the release committed with the outcomes.
    // A refill that cannot be sent is held (and logged) and does not fail these messages.
    await sendReleased({ uploadQueue: deps.uploadQueue, uploads: deps.uploads, logger: deps.logger }, batchId, released).catch(() => {});
  }
}
