import { buildEnvironment, environments, variables, type EnvironmentName, type SecretName, type Variable } from "@pipeline/wiring";
import type { Queues } from "./queues";
import type { Secrets } from "./secrets";
import type { StageSettings } from "./stageSettings";
import type { Storage } from "./storage";

export interface DeployedResources {
  queues: Queues;
  storage: Storage;
  secrets: Secrets;
  settings: StageSettings;
  webSocket: sst.aws.ApiGatewayWebSocket;
}

/**
 * A function's `environment`, from the wiring's contract. Lambda sets AWS_REGION itself, tuning
 * values keep the wiring's defaults and local engines do not exist on AWS: those stay unset, as
 * do stage settings the stage does not set (their defaults apply). Secrets are never environment
 * variables: they are linked (`secretLinks`).
 */
export function environment(name: EnvironmentName, resources: DeployedResources) {
  const { queues, storage, settings, webSocket } = resources;
  const valueOf = (variable: Variable) => {
    switch (variable.from) {
      case "queueUrl":
        return queues[variable.queue].queue.url;
      case "deadLetterQueueUrl":
        return queues[variable.queue].dlq.url;
      case "bucket":
        return storage.media.name;
      case "managementEndpoint":
        return webSocket.managementEndpoint;
      case "stageSetting":
        return settings[variable.setting];
      case "secret":
      case "region":
      case "localEngine":
      case "tuning":
        return undefined;
    }
  };
  return buildEnvironment(name, valueOf);
}

/**
 * The stage secrets a function's contract reads, to `link` to it: SST ships them encrypted in the
 * function's package (only the key is in its environment) and the function reads them through
 * `Resource` (packages/functions/src/config.ts).
 */
export function secretLinks(name: EnvironmentName, resources: DeployedResources): sst.Secret[] {
  const names = new Set<SecretName>();
  for (const variableName of environments[name]) {
    const variable: Variable = variables[variableName];
    if (variable.from === "secret") names.add(variable.secret);
  }
  return [...names].map((secret) => resources.secrets[secret]);
}
