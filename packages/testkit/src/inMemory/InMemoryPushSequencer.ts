import type { PushSequencer } from "@pipeline/core";

/**
 * Per-batch locks in one process, taken in key order as `PostgresPushSequencer` takes its advisory
 * locks. `loseHolds()` plays the end of the locks' session: every current hold's signal aborts and
 * its batches are free at once, while its work still runs.
 */
export class InMemoryPushSequencer implements PushSequencer {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly holds = new Set<{ lose(): void }>();

  loseHolds(): void {
    for (const hold of [...this.holds]) hold.lose();
  }

  async inOrder<T>(batchIds: readonly string[], work: (held: AbortSignal) => Promise<T>): Promise<T> {
    const keys = [...new Set(batchIds)].sort();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const session = new AbortController();
    const hold = {
      lose: () => {
        session.abort(new Error("the push locks' session ended"));
        release();
        this.holds.delete(hold);
      },
    };
    const previous = keys.map((key) => this.tails.get(key) ?? Promise.resolve());
    const tails = keys.map((key, index) => {
      const tail = (previous[index] ?? Promise.resolve()).then(() => done);
      this.tails.set(key, tail);
      return tail;
    });
    try {
      await Promise.all(previous);
      this.holds.add(hold);
      const result = await work(session.signal);
      // As Postgres fails the COMMIT of a session that ended.
      if (session.signal.aborted) throw session.signal.reason;
      return result;
    } finally {
      this.holds.delete(hold);
      release();
      keys.forEach((key, index) => {
        if (this.tails.get(key) === tails[index]) this.tails.delete(key);
      });
    }
  }
}
