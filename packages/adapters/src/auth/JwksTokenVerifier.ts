import { InvalidTokenError, type TokenVerifier, type VerifiedToken } from "@pipeline/core";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { keySetProblem, refusal, verifiedToken } from "./verifiedToken.js";

export interface JwksSettings {
  /** The identity provider's JSON Web Key Set, e.g. Cognito's `https://cognito-idp.{region}.amazonaws.com/{userPoolId}/.well-known/jwks.json`. */
  jwksUrl: URL;
  issuer: string;
  audience: string;
  /** Leeway for `exp`, `nbf` and `iat` between the provider's clock and ours. */
  clockToleranceSeconds?: number;
}

/** Asymmetric algorithms the identity providers sign with; HS256 and `none` are refused. */
export const JWKS_ALGORITHMS = ["RS256", "ES256"];

/**
 * `AUTH_MODE=jwks`: tokens an identity provider (Cognito, Auth0, Clerk, Entra ID, Keycloak) signs
 * with RS256 or ES256, checked against its published keys, its issuer and our audience. The key
 * set is fetched once and kept for the container's life (re-fetched at most every 30 s for a `kid`
 * it does not hold, as after a key rotation).
 */
export class JwksTokenVerifier implements TokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly settings: JwksSettings) {
    this.keys = createRemoteJWKSet(settings.jwksUrl, { timeoutDuration: 3000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  }

  async verify(token: string | undefined): Promise<VerifiedToken> {
    if (!token) throw new InvalidTokenError("missing", "no token given");
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        algorithms: JWKS_ALGORITHMS,
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: this.settings.clockToleranceSeconds ?? 30,
        requiredClaims: ["sub", "exp"],
      });
      return verifiedToken(payload);
    } catch (error) {
      throw keySetProblem(error) ?? refusal(error);
    }
  }
}
