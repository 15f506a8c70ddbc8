import type { SecretName } from "@pipeline/wiring";

/**
 * Values set per stage with `npx sst secret set <Name> <value> --stage <stage>`; they never live
 * in the repository. See docs/deploy.md. Which function reads which is the wiring's environments.
 */
export function secrets() {
  return {
    /** The Neon connection string (pooled endpoint, `sslmode=require`). */
    databaseUrl: new sst.Secret("DatabaseUrl"),
    /** HS256 key of the WebSocket clients' tokens: whoever issues the tokens signs them with it. */
    authSecret: new sst.Secret("AuthSecret"),
    // The worker's AI step. The empty placeholder means "not set": the worker then runs its
    // built-in deterministic AI, or the model defaults of its configuration.
    aiBaseUrl: new sst.Secret("AiBaseUrl", ""),
    aiVisionModel: new sst.Secret("AiVisionModel", ""),
    aiEmbeddingModel: new sst.Secret("AiEmbeddingModel", ""),
  } satisfies Record<SecretName, sst.Secret>;
}

export type Secrets = ReturnType<typeof secrets>;
