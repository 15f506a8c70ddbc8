import { environments, secretResourceNames, variables, type EnvironmentConfig, type EnvironmentName, type Variable } from "@pipeline/wiring";
import { isLoopbackHost } from "@pipeline/core";
import { Resource } from "sst/resource";

export type FanoutConfig = EnvironmentConfig<"fanout">;
export type WorkerConfig = EnvironmentConfig<"worker">;
export type FinalizerConfig = EnvironmentConfig<"finalizer">;
export type WebSocketConfig = EnvironmentConfig<"webSocket">;
export type ReconcilerConfig = EnvironmentConfig<"reconciler">;
export type OperatorConfig = EnvironmentConfig<"operator">;

/** Thrown at cold start when the environment is incomplete: the message names every missing or invalid variable. */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
  constructor(
    readonly reader: string,
    /** Required variables that are unset (a secret one with the `sst.Secret` it is read from). */
    readonly missing: string[],
    /** Variables set to a value their type refuses, with the reason. */
    readonly invalid: string[],
  ) {
    super(`${reader} configuration is invalid: ${[...missing.map((name) => `${name}: required`), ...invalid].join("; ")}`);
  }
}

type Env = Record<string, string | undefined>;

/** A stage secret's value by its `sst.Secret` name (`DatabaseUrl`); undefined when not linked. */
export type SecretSource = (resourceName: string) => string | undefined;

/**
 * The secrets SST links to the function (`link` in stacks/), as `Resource.<Name>.value`: SST
 * ships them encrypted with the bundle and sets only the key in the environment. A secret that is
 * not linked reads as unset (SST's Resource would throw).
 */
export const linkedSecrets: SecretSource = (resourceName) => {
  const linked = Resource as unknown as Record<string, { value?: unknown } | undefined>;
  if (!(resourceName in linked)) return undefined;
  const value = linked[resourceName]?.value;
  return typeof value === "string" ? value : undefined;
};

/**
 * Parses exactly the variables the wiring lists for `name` (a small parser rather than a schema
 * library: every function's bundle carries it). Where the values come from:
 * - nothing given (a deployed function): the secret variables from the linked secrets, the others
 *   from `process.env`; a secret variable in the environment is ignored;
 * - `env` alone (the in-process local runtime, batchctl, tests): every variable from `env` by name;
 * - `env` and `secrets`: the secret variables from `secrets`, the others from `env`.
 * An empty value is unset: the variable's default applies (an `sst.Secret` with the placeholder ""
 * is a secret the stage did not set).
 */
function readEnvironment<E extends EnvironmentName>(name: E, env?: Env, secrets?: SecretSource): EnvironmentConfig<E> {
  const environment = env ?? process.env;
  const secretSource = secrets ?? (env === undefined ? linkedSecrets : undefined);
  const config: Record<string, string | number | undefined> = {};
  const missing: string[] = [];
  const invalid: string[] = [];
  for (const variableName of environments[name]) {
    const variable: Variable = variables[variableName];
    const text = variable.from === "secret" && secretSource ? secretSource(secretResourceNames[variable.secret]) : environment[variableName];
    if (text === undefined || text === "") {
      if (variable.default !== undefined) config[variableName] = variable.default;
      else if (variable.optional) config[variableName] = undefined;
      else missing.push(variable.from === "secret" && secretSource ? `${variableName} (the ${secretResourceNames[variable.secret]} secret)` : variableName);
      continue;
    }
    const parsed = parse(variable, text);
    if (typeof parsed === "object") invalid.push(`${variableName}: ${parsed.problem}`);
    else config[variableName] = parsed;
  }
  if (missing.length > 0 || invalid.length > 0) throw new ConfigurationError(name, missing, invalid);
  return config as EnvironmentConfig<E>;
}

function parse(variable: Variable, text: string): string | number | { problem: string } {
  switch (variable.type) {
    case "url":
      return URL.canParse(text) ? text : { problem: `not a URL: ${JSON.stringify(text)}` };
    case "string":
      return text.length >= (variable.minLength ?? 1) ? text : { problem: `must be at least ${variable.minLength} characters` };
    case "integer": {
      const value = Number(text);
      return Number.isInteger(value) && value >= variable.min ? value : { problem: `not an integer >= ${variable.min}: ${JSON.stringify(text)}` };
    }
    case "enum":
      return variable.values.includes(text) ? text : { problem: `must be one of ${variable.values.join(", ")}, got ${JSON.stringify(text)}` };
  }
}

/** In jwks mode the identity provider's keys, issuer and audience are required: tokens are checked against all three. */
function requireJwksSettings(config: WebSocketConfig): WebSocketConfig {
  if (config.AUTH_MODE !== "jwks") return config;
  const missing = (["AUTH_JWKS_URL", "AUTH_ISSUER", "AUTH_AUDIENCE"] as const).filter((name) => config[name] === undefined);
  const invalid = config.AUTH_JWKS_URL !== undefined && !config.AUTH_JWKS_URL.startsWith("https://") && !isLoopback(config.AUTH_JWKS_URL) ? ["AUTH_JWKS_URL: must be https"] : [];
  if (missing.length > 0 || invalid.length > 0) throw new ConfigurationError("webSocket (AUTH_MODE=jwks)", missing, invalid);
  return config;
}

/** A local identity provider (tests, the local stack) may serve its keys over plain http. */
function isLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === "http:" && isLoopbackHost(hostname);
}

export const readFanoutConfig = (env?: Env, secrets?: SecretSource) => readEnvironment("fanout", env, secrets);
export const readWorkerConfig = (env?: Env, secrets?: SecretSource) => readEnvironment("worker", env, secrets);
export const readFinalizerConfig = (env?: Env, secrets?: SecretSource) => readEnvironment("finalizer", env, secrets);
export const readWebSocketConfig = (env?: Env, secrets?: SecretSource) => requireJwksSettings(readEnvironment("webSocket", env, secrets));
export const readReconcilerConfig = (env?: Env, secrets?: SecretSource) => readEnvironment("reconciler", env, secrets);
/** batchctl: an operator's shell holds every value, the direct DATABASE_URL included. */
export const readOperatorConfig = (env: Env = process.env) => readEnvironment("operator", env);
