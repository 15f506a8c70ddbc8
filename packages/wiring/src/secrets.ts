import type { SecretName } from "./environment.js";

/**
 * The name of each stage secret's `sst.Secret` (stacks/secrets.ts): what `sst secret set` takes and
 * what a function reads as `Resource.<name>.value` when the secret is linked to it.
 */
export const secretResourceNames = {
  databaseUrl: "DatabaseUrl",
  authSecret: "AuthSecret",
  aiBaseUrl: "AiBaseUrl",
  aiVisionModel: "AiVisionModel",
  aiEmbeddingModel: "AiEmbeddingModel",
} as const satisfies Record<SecretName, string>;

export type SecretResourceName = (typeof secretResourceNames)[SecretName];
