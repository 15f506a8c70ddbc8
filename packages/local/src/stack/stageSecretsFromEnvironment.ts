import { variables, type VariableName } from "@pipeline/wiring";
import type { StageSecrets } from "../pipeline/localResourceValues.js";

/**
 * The stage secrets a developer sets in the shell that runs `npm start` (AI_BASE_URL,
 * AI_VISION_MODEL, AI_EMBEDDING_MODEL: each variable the contract takes from a secret the local
 * stack does not make itself), for the functions that read them, as a stage would set them.
 */
export function stageSecretsFromEnvironment(environment: Readonly<Record<string, string | undefined>>): StageSecrets {
  const secrets: StageSecrets = {};
  for (const [name, variable] of Object.entries(variables) as Array<[VariableName, (typeof variables)[VariableName]]>) {
    if (variable.from !== "secret" || variable.secret === "databaseUrl" || variable.secret === "authSecret") continue;
    const value = environment[name];
    if (value) secrets[variable.secret] = value;
  }
  return secrets;
}
