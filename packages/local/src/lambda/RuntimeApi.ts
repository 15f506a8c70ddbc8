import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FunctionError } from "./container/functionError.js";

/** What a container told its Runtime API about the invocation it was given. */
export type RuntimeReport = { kind: "response"; body: string } | { kind: "error"; error: FunctionError };

export interface PendingInvocation {
  requestId: string;
  event: string;
  deadlineMs: number;
  functionArn: string;
}

export interface RuntimeApiEvents {
  /** The container asked for its first event: its init is done. */
  ready(): void;
  initError(error: FunctionError): void;
  report(requestId: string, report: RuntimeReport): void;
}

const PREFIX = "/2018-06-01/runtime/";

/**
 * The Lambda Runtime API one container talks to (`AWS_LAMBDA_RUNTIME_API`): `invocation/next`
 * is held open until the runner has an event for it, and the container posts the handler's
 * `response` or `error` (or an `init/error`) back. One per container, on loopback, as each Lambda
 * sandbox has its own.
 */
export class RuntimeApi {
  private readonly server: Server;
  private waiting: ServerResponse | undefined;
  private queued: PendingInvocation | undefined;
  private initialised = false;

  constructor(private readonly events: RuntimeApiEvents) {
    this.server = createServer((request, response) => {
      this.route(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
    // `next` waits as long as the container stays idle.
    this.server.requestTimeout = 0;
    this.server.keepAliveTimeout = 60_000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Hands the event to the container's waiting `next`, or to its next one. */
  deliver(invocation: PendingInvocation): void {
    this.queued = invocation;
    this.flush();
  }

  async close(): Promise<void> {
    this.waiting?.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private flush(): void {
    const response = this.waiting;
    const invocation = this.queued;
    if (!response || !invocation) return;
    this.waiting = undefined;
    this.queued = undefined;
    response
      .writeHead(200, {
        "content-type": "application/json",
        "lambda-runtime-aws-request-id": invocation.requestId,
        "lambda-runtime-deadline-ms": String(invocation.deadlineMs),
        "lambda-runtime-invoked-function-arn": invocation.functionArn,
        "lambda-runtime-trace-id": `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${invocation.requestId.replaceAll("-", "").slice(0, 24)};Sampled=0`,
      })
      .end(invocation.event);
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? "").startsWith(PREFIX) ? (request.url ?? "").slice(PREFIX.length) : "";
    const body = await readBody(request);
    if (request.method === "GET" && path === "invocation/next") {
      this.waiting = response;
      if (!this.initialised) {
        this.initialised = true;
        this.events.ready();
      }
      this.flush();
      return;
    }
    const match = /^invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (request.method === "POST" && match?.[1] && match[2]) {
      const requestId = decodeURIComponent(match[1]);
      this.events.report(requestId, match[2] === "response" ? { kind: "response", body } : { kind: "error", error: parseError(body, request) });
      response.writeHead(202, { "content-type": "application/json" }).end('{"status":"OK"}');
      return;
    }
    if (request.method === "POST" && path === "init/error") {
      this.events.initError(parseError(body, request));
      response.writeHead(202, { "content-type": "application/json" }).end('{"status":"OK"}');
      return;
    }
    response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ errorMessage: `unknown Runtime API path ${request.method} ${request.url}` }));
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function parseError(body: string, request: IncomingMessage): FunctionError {
  const typeHeader = request.headers["lambda-runtime-function-error-type"];
  try {
    const parsed = JSON.parse(body) as Partial<FunctionError>;
    return {
      errorType: parsed.errorType ?? (typeof typeHeader === "string" ? typeHeader : "Error"),
      errorMessage: parsed.errorMessage ?? "",
      stackTrace: parsed.stackTrace ?? [],
    };
  } catch {
    return { errorType: typeof typeHeader === "string" ? typeHeader : "Error", errorMessage: body, stackTrace: [] };
  }
}
