import { AiConfigurationError, OllamaAiService, type OllamaAiServiceOptions } from "@pipeline/adapters/ai";
import { PermanentProcessingError } from "@pipeline/core";
import { freePort } from "@pipeline/local";
import { AiServiceError, type ImageMetadata } from "@pipeline/media";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeOllama, ollamaAnswers } from "./fakeOllama.js";

const metadata: ImageMetadata = {
  kind: "image",
  mimeType: "image/jpeg",
  format: "JPEG",
  byteLength: 1234,
  width: 640,
  height: 480,
  orientation: null,
  takenAt: "2024-05-01T12:34:56",
  cameraMake: "Canon",
  cameraModel: "Canon EOS 5D",
  frames: 1,
  thumbnail: { width: 320, height: 240, mimeType: "image/webp" },
};
const image = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

describe("OllamaAiService against a server speaking the Ollama API", () => {
  let ollama: FakeOllama;
  const live = () => new AbortController().signal;
  const service = (options: Partial<OllamaAiServiceOptions> = {}) =>
    new OllamaAiService({ baseUrl: ollama.baseUrl, visionModel: "llava", embeddingModel: "mxbai-embed-large", timeoutMillis: 2_000, baseDelayMillis: 5, maxDelayMillis: 20, ...options });

  async function failure(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      () => expect.fail("expected a failure"),
      (error: unknown) => error,
    );
  }

  beforeAll(async () => {
    ollama = await FakeOllama.start();
  });
  beforeEach(() => ollama.use(ollamaAnswers));
  afterAll(() => ollama?.close());

  it("describes a picture with the vision model and embeds text into 1024 floats", async () => {
    const ai = service();

    const description = await ai.describe({ image, metadata }, live());
    const embedding = await ai.embed({ text: description.text, image }, live());

    expect(description).toEqual({ text: "A red square crossed by a blue diagonal line.", provenance: { source: "ollama", model: "llava" } });
    expect(embedding.vector).toHaveLength(1024);
    expect(embedding.provenance).toEqual({ source: "ollama", model: "mxbai-embed-large", dimensions: 1024 });
    const [generate, embed] = ollama.requests;
    expect(generate).toMatchObject({ path: "/api/generate", body: { model: "llava", images: [image.toString("base64")], stream: false } });
    expect(generate?.body.prompt).toContain("640×480 JPEG photo, taken 2024-05-01 12:34:56, Canon EOS 5D");
    expect(embed).toEqual({ path: "/api/embed", body: { model: "mxbai-embed-large", input: description.text } });
  });

  it("retries a 429 and succeeds", async () => {
    ollama.use((request, call) => (call === 1 ? { status: 429, body: { error: "too many requests" }, headers: { "retry-after": "0" } } : ollamaAnswers(request, call)));

    const description = await service().describe({ image, metadata }, live());

    expect(description.text).toMatch(/red square/);
    expect(ollama.calls("/api/generate")).toBe(2);
  });

  it("gives up on a server that answers 500 forever after its bounded attempts, with a retryable error", async () => {
    ollama.use(() => ({ status: 500, body: { error: "model runner crashed" } }));

    const error = await failure(service({ maxAttempts: 4 }).embed({ text: "x", image: null }, live()));

    expect(error).toBeInstanceOf(AiServiceError);
    expect(error).not.toBeInstanceOf(PermanentProcessingError);
    expect((error as AiServiceError).attempts).toBe(4);
    expect((error as Error).message).toBe("AI service /api/embed failed after 4 attempts: HTTP 500: model runner crashed");
    expect(ollama.calls("/api/embed")).toBe(4);
  });

  it("abandons an answer slower than its timeout and retries it", async () => {
    ollama.use((request, call) => ({ ...ollamaAnswers(request, call), delayMillis: 1_000 }));
    const startedAt = Date.now();

    const error = await failure(service({ timeoutMillis: 100, maxAttempts: 2 }).describe({ image, metadata }, live()));

    expect(error).toBeInstanceOf(AiServiceError);
    expect((error as Error).message).toBe("AI service /api/generate failed after 2 attempts: no answer within 100 ms");
    expect(ollama.calls("/api/generate")).toBe(2);
    expect(Date.now() - startedAt).toBeLessThan(900);
  });

  it("retries network errors", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;

    const error = await failure(service({ baseUrl: closed, maxAttempts: 2 }).embed({ text: "x", image: null }, live()));

    expect(error).toBeInstanceOf(AiServiceError);
    expect((error as Error).message).toMatch(/^AI service \/api\/embed failed after 2 attempts: network error/);
  });

  it.each([
    ["a body that is not JSON", "/api/generate", "<html>proxy error</html>", /malformed answer to \/api\/generate: not JSON/],
    ["an empty description", "/api/generate", { response: "  ", done: true }, /malformed answer to \/api\/generate: response: empty description/],
    ["embeddings of the wrong shape", "/api/embed", { embeddings: "none" }, /malformed answer to \/api\/embed: embeddings: /],
    ["no embedding at all", "/api/embed", { embeddings: [] }, /malformed answer to \/api\/embed: embeddings: no embedding/],
  ])("fails permanently, without retrying, on %s", async (_, path, body, reason) => {
    ollama.use(() => ({ body }));
    const ai = service();

    const error = await failure(path === "/api/embed" ? ai.embed({ text: "x", image: null }, live()) : ai.describe({ image, metadata }, live()));

    expect(error).toBeInstanceOf(PermanentProcessingError);
    expect((error as Error).message).toMatch(reason);
    expect(ollama.calls(path)).toBe(1);
  });

  it("fails permanently on a 4xx other than 429, quoting the server's error", async () => {
    ollama.use(() => ({ status: 404, body: { error: 'model "llava" not found, try pulling it first' } }));

    const error = await failure(service().describe({ image, metadata }, live()));

    expect(error).toBeInstanceOf(PermanentProcessingError);
    expect((error as Error).message).toBe('AI service rejected /api/generate: HTTP 404: model "llava" not found, try pulling it first');
    expect(ollama.calls("/api/generate")).toBe(1);
  });

  it("stops at once, with the caller's reason, when the processing signal aborts", async () => {
    ollama.use((request, call) => ({ ...ollamaAnswers(request, call), delayMillis: 1_000 }));
    const controller = new AbortController();
    const deadline = new Error("processing budget exhausted");
    setTimeout(() => controller.abort(deadline), 50);
    const startedAt = Date.now();

    const error = await failure(service({ maxAttempts: 5 }).describe({ image, metadata }, controller.signal));

    expect(error).toBe(deadline);
    expect(Date.now() - startedAt).toBeLessThan(500);
    expect(ollama.calls("/api/generate")).toBe(1);
  });

  it("stops waiting between attempts when the processing signal aborts", async () => {
    const controller = new AbortController();
    const deadline = new Error("processing budget exhausted");
    // The abort comes while the client waits out the first 503's retry-after, not before its first
    // request (which a loaded machine could delay past a fixed 50 ms).
    ollama.use(() => {
      setTimeout(() => controller.abort(deadline), 50);
      return { status: 503, headers: { "retry-after": "60" } };
    });

    const error = await failure(service({ maxAttempts: 5, maxDelayMillis: 10_000 }).embed({ text: "x", image: null }, controller.signal));

    expect(error).toBe(deadline);
    expect(ollama.calls("/api/embed")).toBe(1);
  });

  it("refuses a redirect without following it, naming where it pointed", async () => {
    // Prepare
    ollama.use((request, call) => (request.path === "/api/generate" ? { status: 307, headers: { location: `${ollama.baseUrl}/elsewhere` } } : ollamaAnswers(request, call)));

    // Act
    const error = await failure(service().describe({ image, metadata }, live()));

    // Assess
    expect(error).toBeInstanceOf(PermanentProcessingError);
    expect((error as Error).message).toBe(`AI service redirected /api/generate (HTTP 307 to ${ollama.baseUrl}/elsewhere): redirects are not followed, so AI_BASE_URL must name the server itself`);
    expect(ollama.calls("/elsewhere")).toBe(0);
    expect(ollama.calls("/api/generate")).toBe(1);
  });

  it.each([
    ["a description", "/api/generate", { model: "llava", response: "x".repeat(1024 * 1024), done: true }],
    ["an embedding", "/api/embed", { model: "m", embeddings: [Array.from({ length: 4096 }, (_, index) => Math.sin(index) / 16)] }],
  ])("refuses %s answer past its size limit, without retrying", async (_, path, body) => {
    // Prepare: sent chunked, with no length to refuse it by.
    ollama.use(() => ({ body }));
    const ai = service();

    // Act
    const error = await failure(path === "/api/embed" ? ai.embed({ text: "x", image: null }, live()) : ai.describe({ image, metadata }, live()));

    // Assess
    expect(error).toBeInstanceOf(PermanentProcessingError);
    expect((error as Error).message).toMatch(new RegExp(`^AI service answer to ${path} is larger than \\d+ bytes: refused$`));
    expect(ollama.calls(path)).toBe(1);
  });

  it.each(["http://10.0.0.5:11434", "http://ollama.example.com", "http://[fe80::1]:11434", "ftp://127.0.0.1/", "http://127.0.0.1.example.com"])(
    "refuses plain http to a host that is not loopback at configuration: %s",
    (baseUrl) => {
      expect(() => service({ baseUrl })).toThrow(AiConfigurationError);
    },
  );

  it.each(["https://ollama.example.com", "http://127.0.0.1:11434", "http://127.8.0.1", "http://localhost:11434", "http://[::1]:11434"])("accepts %s", (baseUrl) => {
    expect(() => service({ baseUrl })).not.toThrow();
  });
});
