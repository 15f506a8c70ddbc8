import { availableParallelism } from "node:os";

/**
 * Bounds how many containers initialise at once across the stack. On Lambda every cold start has
 * a CPU of its own; here they share the machine's cores, and sixteen worker containers starting
 * together would each take many times their real init duration, and hold up every other function's
 * first container behind them. Inits beyond the bound wait; a function with no container at all
 * goes first (its first container is what its callers wait for), the rest in arrival order.
 */
export class InitGate {
  private running = 0;
  private readonly waiting: Array<{ urgent: boolean; start: () => void }> = [];

  constructor(private readonly limit = Math.max(1, availableParallelism())) {}

  async run<T>(urgent: boolean, init: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((start) => {
        const at = urgent ? this.waiting.findIndex((entry) => !entry.urgent) : -1;
        this.waiting.splice(at === -1 ? this.waiting.length : at, 0, { urgent, start });
      });
    } else {
      this.running++;
    }
    try {
      return await init();
    } finally {
      const next = this.waiting.shift();
      if (next) next.start();
      else this.running--;
    }
  }
}
