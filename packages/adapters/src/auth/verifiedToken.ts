import { InvalidTokenError, type VerifiedToken } from "@pipeline/core";
import { errors, type JWTPayload } from "jose";

/** The user is the token's `sub`; `exp` is required by every verifier. */
export function verifiedToken(payload: JWTPayload): VerifiedToken {
  if (typeof payload.sub !== "string" || payload.sub.length === 0 || payload.sub.length > 200) {
    throw new InvalidTokenError("claims", "token subject is not a user id");
  }
  return { userId: payload.sub, expiresAt: new Date((payload.exp ?? 0) * 1000) };
}

/** The identity provider's keys could not be read: the server's problem, not the client's token (a 500, logged). */
export class KeySetUnavailableError extends Error {
  override readonly name = "KeySetUnavailableError";
}

/** Why jose refused a token, as the core's `InvalidTokenError`: its message never quotes the token. */
export function refusal(error: unknown): InvalidTokenError {
  if (error instanceof InvalidTokenError) return error;
  if (error instanceof errors.JWTExpired) return new InvalidTokenError("expired", "token expired", { cause: error });
  if (error instanceof errors.JWSSignatureVerificationFailed) return new InvalidTokenError("bad-signature", "token signature does not verify", { cause: error });
  if (error instanceof errors.JOSEAlgNotAllowed) return new InvalidTokenError("wrong-algorithm", "token algorithm is not allowed", { cause: error });
  if (error instanceof errors.JWKSNoMatchingKey) return new InvalidTokenError("unknown-key", "no key of the identity provider matches the token's kid", { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed) return new InvalidTokenError("claims", `token claim ${error.claim} is invalid`, { cause: error });
  return new InvalidTokenError("malformed", "token is malformed", { cause: error });
}

/**
 * A remote key set that could not be fetched (network, timeout, not 200) or read: jose's generic
 * error, its JWKS errors, or the fetch's own. Undefined for anything about the token itself.
 */
export function keySetProblem(error: unknown): KeySetUnavailableError | undefined {
  const unavailable = error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError) || error.code === "ERR_JOSE_GENERIC";
  if (!unavailable || error instanceof InvalidTokenError) return undefined;
  return new KeySetUnavailableError("the identity provider's key set could not be fetched or read", { cause: error });
}
