import { variables, type StageSettingName } from "@pipeline/wiring";

export type StageSettings = Record<StageSettingName, string | undefined>;

/** The environment name of each setting: the variable the functions read it from. */
const SETTING_VARIABLES: Record<StageSettingName, "AUTH_MODE" | "AUTH_JWKS_URL" | "AUTH_ISSUER" | "AUTH_AUDIENCE"> = {
  authMode: "AUTH_MODE",
  authJwksUrl: "AUTH_JWKS_URL",
  authIssuer: "AUTH_ISSUER",
  authAudience: "AUTH_AUDIENCE",
};

/**
 * The stage's non-secret settings, from the environment `sst deploy` runs in: the shell, or the
 * `.env.<stage>` file SST loads (see docs/deploy.md). A stage in jwks mode that lacks one of its
 * settings, or names an unknown mode, does not deploy.
 */
export function stageSettings(env: Record<string, string | undefined> = process.env): StageSettings {
  const settings = Object.fromEntries(
    Object.entries(SETTING_VARIABLES).map(([setting, variable]) => [setting, env[variable] === "" ? undefined : env[variable]]),
  ) as StageSettings;
  const modes = variables.AUTH_MODE.values;
  if (settings.authMode !== undefined && !modes.includes(settings.authMode as (typeof modes)[number])) {
    throw new Error(`AUTH_MODE must be one of ${modes.join(", ")}, got ${JSON.stringify(settings.authMode)}`);
  }
  if (settings.authMode === "jwks") {
    const missing = (["authJwksUrl", "authIssuer", "authAudience"] as const).filter((setting) => settings[setting] === undefined).map((setting) => SETTING_VARIABLES[setting]);
    if (missing.length > 0) throw new Error(`AUTH_MODE=jwks needs ${missing.join(", ")} (set them in .env.<stage> or the deploying shell)`);
  }
  return settings;
}
