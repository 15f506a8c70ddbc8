import { variables } from "@pipeline/wiring";
import { describe, expect, it } from "vitest";
import { localResourceValues } from "../pipeline/localResourceValues.js";
import { stageSecretsFromEnvironment } from "./stageSecretsFromEnvironment.js";

describe("the stage secrets npm start passes on", () => {
  it("takes the AI server's settings from its environment, not the database or the token key (the stack makes those), and no empty one", () => {
    const secrets = stageSecretsFromEnvironment({
      AI_BASE_URL: "http://127.0.0.1:11434",
      AI_VISION_MODEL: "",
      AI_EMBEDDING_MODEL: "bge-m3",
      DATABASE_URL: "postgres://elsewhere/db",
      AUTH_SECRET: "a-secret-of-the-shell-that-is-long-enough",
      PATH: "/usr/bin",
    });

    expect(secrets).toEqual({ aiBaseUrl: "http://127.0.0.1:11434", aiEmbeddingModel: "bge-m3" });
  });

  it("are the values of the functions' secret variables; unset or empty ones are not set", () => {
    const resources = { databaseUrl: "postgres://pooled/db", pgProxy: "127.0.0.1:1", sqsEndpoint: "http://127.0.0.1:2", queues: {} as never, managementEndpoint: "http://127.0.0.1:3", credentials: { accessKeyId: "LKIA", secretAccessKey: "secret" }, authSecret: "s".repeat(40) };
    const valueOf = localResourceValues({ ...resources, secrets: { aiBaseUrl: "http://127.0.0.1:11434", aiVisionModel: "" } });

    expect(valueOf(variables.AI_BASE_URL)).toBe("http://127.0.0.1:11434");
    expect(valueOf(variables.AI_VISION_MODEL)).toBeUndefined();
    expect(valueOf(variables.AI_EMBEDDING_MODEL)).toBeUndefined();
    expect(valueOf(variables.DATABASE_URL)).toBe("postgres://pooled/db");
    expect(localResourceValues(resources)(variables.AI_BASE_URL)).toBeUndefined();
  });
});
