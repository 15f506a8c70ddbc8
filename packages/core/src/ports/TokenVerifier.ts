/** Why a token was refused; never the token itself. */
export class InvalidTokenError extends Error {
  override readonly name = "InvalidTokenError";
  constructor(
    readonly reason: "missing" | "malformed" | "expired" | "bad-signature" | "wrong-algorithm" | "unknown-key" | "claims",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface VerifiedToken {
  userId: string;
  expiresAt: Date;
}

/** Verifies a client's bearer token; throws `InvalidTokenError`. */
export interface TokenVerifier {
  verify(token: string | undefined): Promise<VerifiedToken>;
}
