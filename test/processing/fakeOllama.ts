import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface OllamaRequest {
  path: string;
  body: Record<string, unknown>;
}

export interface ScriptedAnswer {
  status?: number;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Waits this long before answering. */
  delayMillis?: number;
  /** Answers once this settles: a test holds chosen requests for as long as it needs. */
  until?: Promise<unknown>;
}

export type Script = (request: OllamaRequest, call: number) => ScriptedAnswer;

/** Answers like Ollama's `/api/generate` and `/api/embed` unless a script says otherwise. */
export const ollamaAnswers: Script = (request) =>
  request.path === "/api/generate"
    ? { body: { model: request.body.model, response: "A red square crossed by a blue diagonal line.", done: true } }
    : { body: { model: request.body.model, embeddings: [Array.from({ length: 1024 }, (_, index) => Math.sin(index) / 16)] } };

/** A small HTTP server that speaks the Ollama API, answering from a script and recording calls. */
export class FakeOllama {
  readonly requests: OllamaRequest[] = [];
  private script: Script = ollamaAnswers;
  private readonly server: Server = createServer((request, response) => {
    void this.answer(request).then(({ status = 200, body, headers = {} }) => {
      if (response.destroyed) return;
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(typeof body === "string" ? body : JSON.stringify(body ?? {}));
    });
  });

  static async start(): Promise<FakeOllama> {
    const fake = new FakeOllama();
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers from now on with `script`; the call count restarts. */
  use(script: Script): void {
    this.script = script;
    this.requests.length = 0;
  }

  calls(path: string): number {
    return this.requests.filter((request) => request.path === path).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async answer(request: IncomingMessage): Promise<ScriptedAnswer> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const recorded = { path: request.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown> };
    this.requests.push(recorded);
    const answer = this.script(recorded, this.requests.length);
    if (answer.delayMillis) await new Promise((resolve) => setTimeout(resolve, answer.delayMillis));
    await answer.until;
    return answer;
  }
}
