import { InvalidTokenError, type TokenVerifier, type VerifiedToken } from "@pipeline/core";
import { jwtVerify } from "jose";
import { refusal, verifiedToken } from "./verifiedToken.js";

/** `AUTH_MODE=hs256` (the local stack): `?token=<JWT HS256 signed with the stage's AUTH_SECRET, sub = user id, exp>`. */
export class JwtTokenVerifier implements TokenVerifier {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async verify(token: string | undefined): Promise<VerifiedToken> {
    if (!token) throw new InvalidTokenError("missing", "no token given");
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ["HS256"], requiredClaims: ["sub", "exp"] });
      return verifiedToken(payload);
    } catch (error) {
      throw refusal(error);
    }
  }
}
