import { environments, variables, type EnvironmentConfig, type EnvironmentName, type Variable } from "@pipeline/wiring";

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
    /** Required variables that are unset. */
    readonly missing: string[],
    /** Variables set to a value their type refuses, with the reason. */
    readonly invalid: string[],
  ) {
    super(`${reader} configuration is invalid: ${[...missing.map((name) => `${name}: required`), ...invalid].join("; ")}`);
  }
}

type Env = Record<string, string | undefined>;

/**
 * Parses exactly the variables the wiring lists for `name` (a small parser rather than a schema
 * library: every function's bundle carries it).
 */
function readEnvironment<E extends EnvironmentName>(name: E, env: Env): EnvironmentConfig<E> {
  const config: Record<string, string | number | undefined> = {};
  const missing: string[] = [];
  const invalid: string[] = [];
  for (const variableName of environments[name]) {
    const variable: Variable = variables[variableName];
    const text = env[variableName];
    if (text === undefined || text === "") {
      if (variable.default !== undefined) config[variableName] = variable.default;
      else if (variable.optional) config[variableName] = undefined;
      else missing.push(variableName);
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
  return protocol === "http:" && (hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]");
}

export const readFanoutConfig = (env: Env = process.env) => readEnvironment("fanout", env);
export const readWorkerConfig = (env: Env = process.env) => readEnvironment("worker", env);
export const readFinalizerConfig = (env: Env = process.env) => readEnvironment("finalizer", env);
export const readWebSocketConfig = (env: Env = process.env) => requireJwksSettings(readEnvironment("webSocket", env));
export const readReconcilerConfig = (env: Env = process.env) => readEnvironment("reconciler", env);
export const readOperatorConfig = (env: Env = process.env) => readEnvironment("operator", env);
