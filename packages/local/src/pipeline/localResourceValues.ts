import type { SecretName, StageSettingName, Variable } from "@pipeline/wiring";
import type { LocalCredentials } from "../auth/LocalCredentials.js";
import type { StackQueues } from "../queues/createQueues.js";

export interface LocalResources {
  /** The functions' connection string (the pooled endpoint). */
  databaseUrl: string;
  /** host:port of the WebSocket-to-TCP proxy in front of Postgres. */
  pgProxy: string;
  sqsEndpoint: string;
  queues: StackQueues;
  managementEndpoint: string;
  /** The key pair the engines and the management API accept: the functions' execution role, locally. */
  credentials: LocalCredentials;
  bucket?: string;
  authSecret: string;
  /** The stage's other secrets (the AI server's), as `sst secret set` sets them; unset or empty means not set. */
  secrets?: StageSecrets;
  /** The stage's non-secret settings (AUTH_MODE and its jwks settings); unset: the defaults (HS256 with the stack's secret). */
  stageSettings?: Partial<Record<StageSettingName, string>>;
}

/** Secrets a stage may set besides the two the local stack makes itself (the database and the token key). */
export type StageSecrets = Partial<Record<Exclude<SecretName, "databaseUrl" | "authSecret">, string>>;

/**
 * Where each kind of contract variable finds its value on the local stack: what `stacks/` takes
 * from the deployed resources and the stage's secrets, and the local engines' endpoints. The
 * region and tuning values are not resources: Lambda and the operator set those. A secret's value
 * reaches a container through its encrypted links file (`FunctionContainers`), never its
 * environment; the in-process handlers take it as a plain value.
 */
export function localResourceValues(resources: LocalResources): (variable: Variable) => string | undefined {
  return (variable) => {
    switch (variable.from) {
      case "queueUrl":
        return resources.queues[variable.queue].url;
      case "deadLetterQueueUrl":
        return resources.queues[variable.queue].dlqUrl;
      case "bucket":
        return resources.bucket ?? "media";
      case "managementEndpoint":
        return resources.managementEndpoint;
      case "secret":
        if (variable.secret === "databaseUrl") return resources.databaseUrl;
        if (variable.secret === "authSecret") return resources.authSecret;
        // As on a stage: an empty secret is not set (an empty AI_BASE_URL is not a URL).
        return resources.secrets?.[variable.secret] || undefined;
      case "stageSetting":
        return resources.stageSettings?.[variable.setting] || undefined;
      case "localEngine":
        // fauxqs serves S3 on the same port as SQS.
        return variable.engine === "postgresProxy" ? resources.pgProxy : resources.sqsEndpoint;
      case "region":
      case "tuning":
        return undefined;
    }
  };
}
