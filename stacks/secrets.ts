import { secretResourceNames as names, type SecretName } from "@pipeline/wiring";

/**
 * Values set per stage with `npx sst secret set <Name> <value> --stage <stage>`; they never live
 * in the repository, nor in any function's environment: each function is linked to the secrets its
 * contract reads (`secretLinks`). See docs/deploy.md.
 */
export function secrets() {
  return {
    /** The Neon connection string (pooled endpoint, `sslmode=require`). */
    databaseUrl: new sst.Secret(names.databaseUrl),
    /** HS256 key of the WebSocket clients' tokens: whoever issues the tokens signs them with it. */
    authSecret: new sst.Secret(names.authSecret),
    // The worker's AI step. The empty placeholder means "not set": the worker then runs its
    // built-in deterministic AI, or the model defaults of its configuration.
    aiBaseUrl: new sst.Secret(names.aiBaseUrl, ""),
    aiVisionModel: new sst.Secret(names.aiVisionModel, ""),
    aiEmbeddingModel: new sst.Secret(names.aiEmbeddingModel, ""),
  } satisfies Record<SecretName, sst.Secret>;
}

export type Secrets = ReturnType<typeof secrets>;
