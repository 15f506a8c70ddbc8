/** How many frames a client may send at once, and how fast that allowance refills. */
export interface FramePace {
  burst: number;
  refillPerSecond: number;
}

/**
 * The server allows each connection a bucket of frames (`wiring.webSocket.clientFrames`: 60 at
 * once, 10 a second) and closes a connection that sends more. This keeps the dashboard under it,
 * with a margin: subscribing to every listed batch on reconnect, or paging a large batch's
 * snapshot, queues frames here instead of tripping the server's limit. A frame already queued is
 * not queued twice (the same `subscribe` asked again gets the same answer).
 */
export const DASHBOARD_PACE: FramePace = { burst: 40, refillPerSecond: 8 };

export class FramePacer {
  private tokens: number;
  private refilledAt: number;
  private readonly queue: string[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly pace: FramePace,
    private readonly write: (frame: string) => void,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.tokens = pace.burst;
    this.refilledAt = now();
  }

  /** Frames waiting for the allowance to refill. */
  get waiting(): number {
    return this.queue.length;
  }

  send(frame: string): void {
    if (this.queue.includes(frame)) return;
    this.queue.push(frame);
    this.drain();
  }

  /** Drops what waits (the connection is gone: its catch-up on open replaces them). */
  clear(): void {
    this.queue.length = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private drain(): void {
    const now = this.now();
    this.tokens = Math.min(this.pace.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.pace.refillPerSecond);
    this.refilledAt = now;
    while (this.queue.length > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      this.write(this.queue.shift() as string);
    }
    if (this.queue.length > 0 && this.timer === undefined) {
      const wait = Math.ceil(((1 - this.tokens) / this.pace.refillPerSecond) * 1000);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, wait);
    }
  }
}
