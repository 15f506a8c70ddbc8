/**
 * Values set per stage with `npx sst secret set <Name> <value> --stage <stage>`; they never live
 * in the repository. See docs/deploy.md.
 */
export function secrets() {
  return {
    /** The Neon connection string (pooled endpoint, `sslmode=require`). */
    databaseUrl: new sst.Secret("DatabaseUrl"),
    /** HS256 key of the WebSocket clients' tokens: whoever issues the tokens signs them with it. */
    authSecret: new sst.Secret("AuthSecret"),
    /**
     * The worker's AI step. The empty placeholder means "not set": the worker then runs its
     * built-in deterministic AI, or the model defaults of its configuration.
     */
    ai: {
      AI_BASE_URL: new sst.Secret("AiBaseUrl", ""),
      AI_VISION_MODEL: new sst.Secret("AiVisionModel", ""),
      AI_EMBEDDING_MODEL: new sst.Secret("AiEmbeddingModel", ""),
    },
  };
}

export type Secrets = ReturnType<typeof secrets>;

/**
 * The settings that have a value, as environment variables. An empty variable would not mean
 * "unset" to the worker's configuration (an empty AI_BASE_URL is not a URL), so it is left out.
 */
export function settingsThatAreSet(settings: Record<string, sst.Secret>) {
  const values = Object.fromEntries(Object.entries(settings).map(([name, secret]) => [name, secret.value]));
  return $resolve(values).apply((resolved) => Object.fromEntries(Object.entries(resolved).filter(([, value]) => value !== "")));
}
