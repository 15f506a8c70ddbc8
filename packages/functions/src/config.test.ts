import { describe, expect, it } from "vitest";
import { ConfigurationError, readWebSocketConfig } from "./config.js";

const base = {
  DATABASE_URL: "postgresql://pipeline@db/pipeline",
  AUTH_SECRET: "k4N9w2Qx7LrT5vB8yZ3mC6pH1sD0fG4jE7uA2nR9",
  WS_MANAGEMENT_ENDPOINT: "https://a1b2c3.execute-api.us-east-1.amazonaws.com/$default",
};
const provider = {
  AUTH_JWKS_URL: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/jwks.json",
  AUTH_ISSUER: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123",
  AUTH_AUDIENCE: "4example5clientid6",
};

describe("readWebSocketConfig: how tokens are verified", () => {
  it("verifies with the stage's HS256 secret when AUTH_MODE is unset", () => {
    expect(readWebSocketConfig(base).AUTH_MODE).toBe("hs256");
  });

  it("takes jwks mode with its identity provider's key set, issuer and audience", () => {
    expect(readWebSocketConfig({ ...base, AUTH_MODE: "jwks", ...provider })).toMatchObject({ AUTH_MODE: "jwks", ...provider });
  });

  it.each([
    ["jwks mode without an audience", { AUTH_MODE: "jwks", ...provider, AUTH_AUDIENCE: undefined }, "AUTH_AUDIENCE: required"],
    ["jwks mode without a key set or issuer", { AUTH_MODE: "jwks", AUTH_AUDIENCE: "app" }, "AUTH_JWKS_URL: required; AUTH_ISSUER: required"],
    ["a key set over plain http on another host", { AUTH_MODE: "jwks", ...provider, AUTH_JWKS_URL: "http://idp.example.com/jwks.json" }, "AUTH_JWKS_URL: must be https"],
    ["an unknown mode", { AUTH_MODE: "none" }, 'AUTH_MODE: must be one of hs256, jwks, got "none"'],
  ])("fails at cold start on %s, naming the variable", (_name, settings, problem) => {
    const read = () => readWebSocketConfig({ ...base, ...settings });

    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow(problem);
  });
});
