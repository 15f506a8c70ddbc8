import type { HandlerLogger } from "@pipeline/adapters/powertools";
import type { LogAttributes } from "@pipeline/core";

/**
 * The functions' logger for long runs: counts every message and counts `batch finalized` per
 * batch (invariant I3), keeping nothing else, so memory stays flat however long a soak runs.
 */
export class TallyLogger implements HandlerLogger {
  readonly counts = new Map<string, number>();
  readonly finalizations = new Map<string, number>();

  debug = (message: string) => this.tally(message);
  info = (message: string, attributes: LogAttributes = {}) => {
    this.tally(message);
    if (message === "batch finalized" && typeof attributes.batchId === "string") {
      this.finalizations.set(attributes.batchId, (this.finalizations.get(attributes.batchId) ?? 0) + 1);
    }
  };
  warn = (message: string) => this.tally(message);
  error = (message: string) => this.tally(message);

  count(message: string): number {
    return this.counts.get(message) ?? 0;
  }

  private tally(message: string): void {
    this.counts.set(message, (this.counts.get(message) ?? 0) + 1);
  }
}
