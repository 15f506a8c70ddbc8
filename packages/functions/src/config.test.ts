import { describe, expect, it } from "vitest";
import { ConfigurationError, readWebSocketConfig, readWorkerConfig } from "./config.js";

const WORKER_ENVIRONMENT = {
  BATCHES_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/batches",
  UPLOADS_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/uploads",
  UPLOADS_DLQ_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/uploads-dlq",
  PROGRESS_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/progress",
  MEDIA_BUCKET: "media",
};

describe("the configuration reader", () => {
  it("takes a deployed function's secrets from its links only: a secret variable in the environment is ignored", () => {
    // Prepare: what SST links, and an environment that also (wrongly) carries the secrets' variables.
    const linked: Record<string, string> = { DatabaseUrl: "postgres://linked/db", AuthSecret: "linked-".padEnd(40, "x") };
    const environment = { DATABASE_URL: "postgres://from-the-environment/db", AUTH_SECRET: "environment-".padEnd(40, "y"), WS_MANAGEMENT_ENDPOINT: "https://api.example.com/$default" };

    // Act
    const config = readWebSocketConfig(environment, (name) => linked[name]);

    // Assess
    expect(config).toMatchObject({ DATABASE_URL: "postgres://linked/db", AUTH_SECRET: linked.AuthSecret, WS_MANAGEMENT_ENDPOINT: "https://api.example.com/$default" });
  });

  it("names a required secret that is not linked by its variable and its sst.Secret", () => {
    const read = () => readWebSocketConfig({ DATABASE_URL: "postgres://from-the-environment/db", WS_MANAGEMENT_ENDPOINT: "https://api.example.com/$default" }, () => undefined);

    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow("DATABASE_URL (the DatabaseUrl secret): required; AUTH_SECRET (the AuthSecret secret): required");
  });

  it("reads a secret linked with the placeholder \"\" as not set: the optional one stays unset, the others take their defaults", () => {
    const linked: Record<string, string> = { DatabaseUrl: "postgres://linked/db", AiBaseUrl: "", AiVisionModel: "", AiEmbeddingModel: "" };

    const config = readWorkerConfig(WORKER_ENVIRONMENT, (name) => linked[name]);

    expect(config).toMatchObject({ DATABASE_URL: "postgres://linked/db", AI_BASE_URL: undefined, AI_VISION_MODEL: "llava", AI_EMBEDDING_MODEL: "mxbai-embed-large" });
  });

  it("takes every variable from the values it is given when no secret source is (the in-process runtime, batchctl)", () => {
    const config = readWorkerConfig({ ...WORKER_ENVIRONMENT, DATABASE_URL: "postgres://plain/db", AI_BASE_URL: "http://ollama:11434" });

    expect(config).toMatchObject({ DATABASE_URL: "postgres://plain/db", AI_BASE_URL: "http://ollama:11434" });
  });
});

const base = {
  DATABASE_URL: "postgresql://pipeline@db/pipeline",
  AUTH_SECRET: "k4N9w2Qx7LrT5vB8yZ3mC6pH1sD0fG4jE7uA2nR9",
  WS_MANAGEMENT_ENDPOINT: "https://a1b2c3.execute-api.us-east-1.amazonaws.com/$default",
};
const provider = {
  AUTH_JWKS_URL: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/jwks.json",
  AUTH_ISSUER: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123",
  AUTH_AUDIENCE: "4example5clientid6",
};

describe("readWebSocketConfig: how tokens are verified", () => {
  it("verifies with the stage's HS256 secret when AUTH_MODE is unset", () => {
    expect(readWebSocketConfig(base).AUTH_MODE).toBe("hs256");
  });

  it("takes jwks mode with its identity provider's key set, issuer and audience", () => {
    expect(readWebSocketConfig({ ...base, AUTH_MODE: "jwks", ...provider })).toMatchObject({ AUTH_MODE: "jwks", ...provider });
  });

  it.each([
    ["jwks mode without an audience", { AUTH_MODE: "jwks", ...provider, AUTH_AUDIENCE: undefined }, "AUTH_AUDIENCE: required"],
    ["jwks mode without a key set or issuer", { AUTH_MODE: "jwks", AUTH_AUDIENCE: "app" }, "AUTH_JWKS_URL: required; AUTH_ISSUER: required"],
    ["a key set over plain http on another host", { AUTH_MODE: "jwks", ...provider, AUTH_JWKS_URL: "http://idp.example.com/jwks.json" }, "AUTH_JWKS_URL: must be https"],
    ["an unknown mode", { AUTH_MODE: "none" }, 'AUTH_MODE: must be one of hs256, jwks, got "none"'],
  ])("fails at cold start on %s, naming the variable", (_name, settings, problem) => {
    const read = () => readWebSocketConfig({ ...base, ...settings });

    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow(problem);
  });
});
