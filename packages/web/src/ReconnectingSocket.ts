import { DASHBOARD_PACE, FramePacer, type FramePace } from "./FramePacer.js";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "stopped";

export interface Backoff {
  baseMillis: number;
  maxMillis: number;
}

export interface ReconnectingSocketOptions {
  /** Read before every attempt, so a renewed token is picked up. */
  url: () => string;
  onMessage: (data: unknown) => void;
  /** Every (re)connection: the place to catch up with snapshots. */
  onOpen: () => void;
  onState: (state: ConnectionState, retryInMillis?: number) => void;
  backoff?: Backoff;
  /** How fast frames may go out (the server closes a connection over its frame bucket). */
  pace?: FramePace;
}

/** A connection that stayed up this long was healthy: the next failure starts the backoff afresh. */
const STABLE_MILLIS = 10_000;

/**
 * Exponential backoff with jitter, capped: attempt n waits between half and all of
 * min(max, base × 2^n), so clients cut off together do not come back together.
 */
export function reconnectDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMillis, backoff.baseMillis * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * A WebSocket that reconnects. API Gateway closes idle sockets after 10 minutes and every socket
 * after 2 hours, and a browser cannot tell a refused handshake from a network failure, so every
 * close is followed by a retry until `stop()`.
 */
export class ReconnectingSocket {
  private socket: WebSocket | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private openedAt = 0;
  private stopped = true;
  private readonly backoff: Backoff;
  private readonly pacer: FramePacer;

  constructor(private readonly options: ReconnectingSocketOptions) {
    this.backoff = options.backoff ?? { baseMillis: 500, maxMillis: 30_000 };
    this.pacer = new FramePacer(options.pace ?? DASHBOARD_PACE, (text) => {
      if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(text);
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    this.open("connecting");
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.pacer.clear();
    this.socket?.close(1000, "signed out");
    this.socket = undefined;
    this.options.onState("stopped");
  }

  /** Retries at once when the browser comes back online instead of waiting out the backoff. */
  retryNow(): void {
    if (this.stopped || this.socket) return;
    clearTimeout(this.timer);
    this.open("reconnecting");
  }

  /**
   * Sends a frame if connected, paced under the server's frame bucket; frames missed while
   * disconnected are replaced by the catch-up on open.
   */
  send(frame: unknown): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.pacer.send(JSON.stringify(frame));
  }

  private open(state: ConnectionState): void {
    this.options.onState(state);
    const socket = new WebSocket(this.options.url());
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.openedAt = Date.now();
      this.options.onState("connected");
      this.options.onOpen();
    });
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        // A frame that is not JSON carries nothing the dashboard can use.
        return;
      }
      this.options.onMessage(data);
    });
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.pacer.clear();
      if (this.stopped) return;
      if (this.openedAt > 0 && Date.now() - this.openedAt >= STABLE_MILLIS) this.attempt = 0;
      this.openedAt = 0;
      const delay = reconnectDelay(this.attempt++, this.backoff);
      // Scheduled before telling the listener, which may stop the socket (and so clear the timer).
      this.timer = setTimeout(() => this.open("reconnecting"), delay);
      this.options.onState("reconnecting", delay);
    });
  }
}
