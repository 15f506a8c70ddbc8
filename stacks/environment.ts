import { buildEnvironment, variables, type EnvironmentName, type Variable, type VariableName } from "@pipeline/wiring";
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
 * do stage settings the stage does not set (their defaults apply).
 */
export function environment(name: EnvironmentName, resources: DeployedResources) {
  const { queues, storage, secrets, settings, webSocket } = resources;
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
      case "secret":
        return secrets[variable.secret].value;
      case "stageSetting":
        return settings[variable.setting];
      case "region":
      case "localEngine":
      case "tuning":
        return undefined;
    }
  };
  const mayBeUnset = (variable: Variable) => variable.optional === true || variable.default !== undefined;
  // An empty optional secret means "not set": left out, since an empty AI_BASE_URL is not a URL.
  return $resolve(buildEnvironment(name, valueOf)).apply((resolved) =>
    Object.fromEntries(Object.entries(resolved).filter(([variable, value]) => !(value === "" && mayBeUnset(variables[variable as VariableName])))),
  );
}
