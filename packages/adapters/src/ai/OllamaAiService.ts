import { abortableSleep, errorMessage, PermanentProcessingError, readWithinBytes } from "@pipeline/core";
import { AiServiceError, summarizeMedia, type AiService, type DescribeRequest, type Description, type Embedding, type EmbedRequest } from "@pipeline/media";
import { z } from "zod";
import { assertSafeBaseUrl } from "./assertSafeBaseUrl.js";

export interface OllamaAiServiceOptions {
  /** The server's base URL: https, or http to a loopback host (e.g. `http://localhost:11434`). */
  baseUrl: string;
  /** A vision model for `/api/generate`, e.g. `llava`. */
  visionModel: string;
  /** An embedding model for `/api/embed`; `mxbai-embed-large` gives 1024 floats. */
  embeddingModel: string;
  /** How long one request may take, answer included. */
  timeoutMillis: number;
  /** Attempts per request, the first included. Default: 3. */
  maxAttempts?: number;
  /** The first retry waits about this long, each next one twice as long. Default: 500 ms. */
  baseDelayMillis?: number;
  /** No wait is longer, `Retry-After` included. Default: 8 s. */
  maxDelayMillis?: number;
  /** A description answer larger than this is refused. Default: 1 MiB. */
  maxDescribeAnswerBytes?: number;
  /** An embedding answer larger than this is refused. Default: 64 KiB (1024 floats as text take about 24 KiB). */
  maxEmbedAnswerBytes?: number;
}

const DEFAULT_MAX_DESCRIBE_ANSWER_BYTES = 1024 * 1024;
const DEFAULT_MAX_EMBED_ANSWER_BYTES = 64 * 1024;

const DESCRIBE_PROMPT =
  "Describe this picture in two or three plain sentences for a media library's search index: " +
  "the main subject, the setting and notable details. Do not guess who people are.";

const generateResponse = z.object({ response: z.string().trim().min(1, "empty description") });
const embedResponse = z.object({ embeddings: z.array(z.array(z.number()).min(1, "empty embedding")).min(1, "no embedding") });

type Attempt = { kind: "answered"; body: string } | { kind: "retry"; reason: string; retryAfterMillis?: number; cause?: unknown };

/**
 * The AI service over an Ollama-compatible HTTP API: `POST /api/generate` with the vision model and
 * the picture in base64 for descriptions, `POST /api/embed` for embeddings.
 *
 * Throttling (429), timeouts (408 and the per-request timeout), server errors (5xx) and network
 * errors are retried with exponential backoff and jitter, honouring `Retry-After`; when attempts
 * run out it throws `AiServiceError`, which the worker retries later. Any other 4xx and a
 * malformed answer throw `PermanentProcessingError`, and so do a redirect (never followed: the
 * request would carry the picture to wherever it points) and an answer past its size limit (read
 * as a stream and abandoned at the limit). The base URL must be https, or http to a loopback host:
 * anything else is an `AiConfigurationError` from the constructor, at cold start. The caller's
 * signal stops everything at once.
 *
 * @example
 * ```ts
 * const ai = new OllamaAiService({ baseUrl: "http://localhost:11434", visionModel: "llava", embeddingModel: "mxbai-embed-large", timeoutMillis: 30_000 });
 * ```
 */
export class OllamaAiService implements AiService {
  private readonly maxAttempts: number;
  private readonly baseDelayMillis: number;
  private readonly maxDelayMillis: number;
  private readonly baseUrl: URL;

  constructor(private readonly options: OllamaAiServiceOptions) {
    this.baseUrl = assertSafeBaseUrl(options.baseUrl);
    this.maxAttempts = options.maxAttempts ?? 3;
    this.baseDelayMillis = options.baseDelayMillis ?? 500;
    this.maxDelayMillis = options.maxDelayMillis ?? 8_000;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new RangeError(`maxAttempts must be a positive integer, got ${this.maxAttempts}`);
    if (!(options.timeoutMillis > 0)) throw new RangeError(`timeoutMillis must be positive, got ${options.timeoutMillis}`);
  }

  async describe({ image, metadata }: DescribeRequest, signal: AbortSignal): Promise<Description> {
    const { visionModel } = this.options;
    const prompt = `${DESCRIBE_PROMPT}\nWhat the file says about itself: ${summarizeMedia(metadata)}.`;
    const body = { model: visionModel, prompt, images: [Buffer.from(image).toString("base64")], stream: false };
    const answer = await this.post("/api/generate", body, generateResponse, this.options.maxDescribeAnswerBytes ?? DEFAULT_MAX_DESCRIBE_ANSWER_BYTES, signal);
    return { text: answer.response, provenance: { source: "ollama", model: visionModel } };
  }

  async embed({ text }: EmbedRequest, signal: AbortSignal): Promise<Embedding> {
    const { embeddingModel } = this.options;
    const answer = await this.post("/api/embed", { model: embeddingModel, input: text }, embedResponse, this.options.maxEmbedAnswerBytes ?? DEFAULT_MAX_EMBED_ANSWER_BYTES, signal);
    const [vector = []] = answer.embeddings;
    return { vector, provenance: { source: "ollama", model: embeddingModel, dimensions: vector.length } };
  }

  private async post<S extends z.ZodType>(path: string, payload: unknown, schema: S, maxAnswerBytes: number, signal: AbortSignal): Promise<z.infer<S>> {
    const url = new URL(path, this.baseUrl);
    const body = JSON.stringify(payload);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(url, body, maxAnswerBytes, signal);
      if (outcome.kind === "answered") return parseAnswer(path, outcome.body, schema);
      if (attempt >= this.maxAttempts) {
        throw new AiServiceError(`AI service ${path} failed after ${attempt} attempts: ${outcome.reason}`, attempt, { cause: outcome.cause });
      }
      await abortableSleep(this.delayBefore(attempt + 1, outcome.retryAfterMillis), signal);
    }
  }

  private async attempt(url: URL, body: string, maxAnswerBytes: number, signal: AbortSignal): Promise<Attempt> {
    const timeout = AbortSignal.timeout(this.options.timeoutMillis);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body, redirect: "manual", signal: AbortSignal.any([signal, timeout]) });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        const location = response.headers.get("location");
        throw new PermanentProcessingError(`AI service redirected ${url.pathname} (HTTP ${response.status}${location ? ` to ${location}` : ""}): redirects are not followed, so AI_BASE_URL must name the server itself`);
      }
      text = await readWithin(response, maxAnswerBytes, url.pathname);
    } catch (error) {
      if (error instanceof PermanentProcessingError) throw error;
      // The caller's deadline ends the work; only this request's own timeout is worth another try.
      signal.throwIfAborted();
      const reason = timeout.aborted ? `no answer within ${this.options.timeoutMillis} ms` : `network error: ${errorMessage(error)}`;
      return { kind: "retry", reason, cause: error };
    }
    if (response.ok) return { kind: "answered", body: text };
    const reason = `HTTP ${response.status}${errorDetail(text)}`;
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      const retryAfterMillis = retryAfter(response.headers.get("retry-after"));
      return { kind: "retry", reason, ...(retryAfterMillis === undefined ? {} : { retryAfterMillis }) };
    }
    throw new PermanentProcessingError(`AI service rejected ${url.pathname}: ${reason}`);
  }

  /** Exponential backoff with equal jitter, unless the server said how long to wait. */
  private delayBefore(attempt: number, retryAfterMillis: number | undefined): number {
    if (retryAfterMillis !== undefined) return Math.min(retryAfterMillis, this.maxDelayMillis);
    const ceiling = Math.min(this.maxDelayMillis, this.baseDelayMillis * 2 ** (attempt - 2));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

/**
 * The answer's text, read as a stream and abandoned as soon as it passes `maxBytes` (permanent:
 * the same request gets the same answer).
 */
async function readWithin(response: Response, maxBytes: number, path: string): Promise<string> {
  const tooLarge = () => new PermanentProcessingError(`AI service answer to ${path} is larger than ${maxBytes} bytes: refused`);
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return "";
  const bytes = await readWithinBytes(response.body, maxBytes);
  if (!bytes) throw tooLarge();
  return new TextDecoder().decode(bytes);
}

/**
 * A 2xx answer that is not the API's JSON is permanent: the same request to the same server gets
 * the same answer (a wrong URL behind a proxy, a model that returns nothing).
 */
function parseAnswer<S extends z.ZodType>(path: string, body: string, schema: S): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new PermanentProcessingError(`AI service returned a malformed answer to ${path}: not JSON`, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; ");
    throw new PermanentProcessingError(`AI service returned a malformed answer to ${path}: ${problems}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** Ollama reports failures as `{"error": "..."}`; anything else is quoted briefly. */
function errorDetail(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "error" in parsed && typeof parsed.error === "string") return `: ${parsed.error}`;
  } catch {
    // Not JSON: quote the text itself.
  }
  const text = body.trim().slice(0, 200);
  return text === "" ? "" : `: ${text}`;
}

/** `Retry-After` in seconds; the HTTP-date form is rare for model servers and is ignored. */
function retryAfter(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}
