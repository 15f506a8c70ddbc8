import { InvalidTokenError, type TokenVerifier, type VerifiedToken } from "@pipeline/core";

/** Knows the tokens it issued; a token past its expiry, or one it never issued, is refused as a real verifier refuses it. */
export class InMemoryTokenVerifier implements TokenVerifier {
  private readonly issued = new Map<string, VerifiedToken>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  issue(userId: string, expiresAt: Date = new Date(this.now().getTime() + 60 * 60 * 1000)): string {
    const token = `token-${this.issued.size + 1}-${userId}`;
    this.issued.set(token, { userId, expiresAt });
    return token;
  }

  async verify(token: string | undefined): Promise<VerifiedToken> {
    if (token === undefined || token === "") throw new InvalidTokenError("missing", "no token");
    const verified = this.issued.get(token);
    if (!verified) throw new InvalidTokenError("bad-signature", "token not issued here");
    if (verified.expiresAt <= this.now()) throw new InvalidTokenError("expired", "token expired");
    return verified;
  }
}
