import { InvalidTokenError, type TokenVerifier, type VerifiedToken } from "@pipeline/core";
import { errors, jwtVerify } from "jose";

/** API Gateway's clients connect with `?token=<JWT HS256, sub = user id, exp>`. */
export class JwtTokenVerifier implements TokenVerifier {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async verify(token: string | undefined): Promise<VerifiedToken> {
    if (!token) throw new InvalidTokenError("missing", "no token given");
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ["HS256"], requiredClaims: ["sub", "exp"] });
      if (typeof payload.sub !== "string" || payload.sub.length === 0 || payload.sub.length > 200) {
        throw new InvalidTokenError("claims", "token subject is not a user id");
      }
      return { userId: payload.sub, expiresAt: new Date((payload.exp ?? 0) * 1000) };
    } catch (error) {
      throw translate(error);
    }
  }
}

function translate(error: unknown): InvalidTokenError {
  if (error instanceof InvalidTokenError) return error;
  if (error instanceof errors.JWTExpired) return new InvalidTokenError("expired", "token expired", { cause: error });
  if (error instanceof errors.JWSSignatureVerificationFailed) return new InvalidTokenError("bad-signature", "token signature does not verify", { cause: error });
  if (error instanceof errors.JOSEAlgNotAllowed) return new InvalidTokenError("wrong-algorithm", "token algorithm is not HS256", { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed) return new InvalidTokenError("claims", `token claim ${error.claim} is invalid`, { cause: error });
  return new InvalidTokenError("malformed", "token is malformed", { cause: error });
}
