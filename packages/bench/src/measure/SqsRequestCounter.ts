import type { LocalStack } from "@pipeline/local";

/**
 * Counts the SQS requests the stack's queue engine serves, by action, whoever sends them: the
 * functions' own clients in their containers and the pollers' client alike. The engine runs in a
 * process of its own and counts every request its server receives (`X-Amz-Target`); a measurement
 * is the difference between two of its counts. A request the SDK retries counts each time.
 */
export class SqsRequestCounter {
  private baseline: Record<string, number> = {};

  constructor(private readonly engine: LocalStack["queueEngine"]) {}

  async reset(): Promise<void> {
    this.baseline = await this.engine.requestCounts();
  }

  /** The requests since the last reset, by action. */
  async byCommand(): Promise<Record<string, number>> {
    const now = await this.engine.requestCounts();
    const since = Object.entries(now)
      .map(([action, count]) => [action, count - (this.baseline[action] ?? 0)] as const)
      .filter(([, count]) => count > 0)
      .sort(([a], [b]) => a.localeCompare(b));
    return Object.fromEntries(since);
  }
}
