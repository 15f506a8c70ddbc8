import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Node publishes every request an HTTP server of this process receives here, before its handler runs. */
const REQUEST_STARTED = "http.server.request.start";
/** The SQS JSON protocol names the action in this header (`AmazonSQS.ReceiveMessage`); S3 requests carry none. */
const TARGET_HEADER = "x-amz-target";

/**
 * Counts the SQS requests the stack's queue engine serves, by action, whoever sends them: the
 * functions' own clients in their containers and the pollers' client in this process alike. It
 * listens to Node's `http.server.request.start` diagnostics channel for requests to the engine's
 * port, so neither the engine nor any client is wrapped. A request the SDK retries counts each time.
 */
export class SqsRequestCounter {
  private counts = new Map<string, number>();
  private readonly onRequest = (message: unknown) => {
    const { request, server } = message as { request: IncomingMessage; server: Server };
    if ((server.address() as AddressInfo | null)?.port !== this.enginePort) return;
    const target = request.headers[TARGET_HEADER];
    if (typeof target !== "string") return;
    const action = target.slice(target.indexOf(".") + 1);
    this.counts.set(action, (this.counts.get(action) ?? 0) + 1);
  };

  /** `enginePort`: the port of the queue engine, which must serve from this process. */
  constructor(private readonly enginePort: number) {
    subscribe(REQUEST_STARTED, this.onRequest);
  }

  reset(): void {
    this.counts = new Map();
  }

  byCommand(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  total(): number {
    let sum = 0;
    for (const count of this.counts.values()) sum += count;
    return sum;
  }

  close(): void {
    unsubscribe(REQUEST_STARTED, this.onRequest);
  }
}
