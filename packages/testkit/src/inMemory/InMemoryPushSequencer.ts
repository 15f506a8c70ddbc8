import type { PushSequencer } from "@pipeline/core";

/** Per-batch locks in one process, taken in key order as `PostgresPushSequencer` takes its advisory locks. */
export class InMemoryPushSequencer implements PushSequencer {
  private readonly tails = new Map<string, Promise<void>>();

  async inOrder<T>(batchIds: readonly string[], work: () => Promise<T>): Promise<T> {
    const keys = [...new Set(batchIds)].sort();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const previous = keys.map((key) => this.tails.get(key) ?? Promise.resolve());
    const tails = keys.map((key, index) => {
      const tail = (previous[index] ?? Promise.resolve()).then(() => done);
      this.tails.set(key, tail);
      return tail;
    });
    try {
      await Promise.all(previous);
      return await work();
    } finally {
      release();
      keys.forEach((key, index) => {
        if (this.tails.get(key) === tails[index]) this.tails.delete(key);
      });
    }
  }
}
