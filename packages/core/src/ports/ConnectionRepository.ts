export interface Connection {
  connectionId: string;
  userId: string;
}

/** A connection as `$connect` records it: its user and when the token it showed expires. */
export interface NewConnection extends Connection {
  tokenExpiresAt: Date;
}

/** A connection's token bucket for client frames: `burst` frames at once, refilled at `refillPerSecond`. */
export interface FrameBucket {
  burst: number;
  refillPerSecond: number;
}

/**
 * What a client frame finds: its connection's user when it may be answered, else why not. A frame
 * on an expired connection or one over its bucket takes a token too (the bucket stops at -1).
 */
export type FrameAdmission =
  | { kind: "admitted"; userId: string }
  | { kind: "unknown" }
  | { kind: "token_expired" }
  | { kind: "rate_limited" };

export interface ConnectionRepository {
  add(connection: NewConnection): Promise<void>;
  /** The users' connections whose tokens have not expired (by the store's clock). */
  forUsers(userIds: readonly string[]): Promise<Connection[]>;
  remove(connectionId: string): Promise<void>;
  /**
   * Refills the connection's bucket by the time since it was last taken from, takes one token and
   * reads its user and expiry, atomically (one statement on Postgres): frames of one connection
   * handled at once by different Lambdas cannot both take the last token.
   */
  admitFrame(connectionId: string, bucket: FrameBucket): Promise<FrameAdmission>;
  connectedBefore(cutoff: Date): Promise<Connection[]>;
  /** Deletes the records of connections opened before `cutoff`; returns how many. */
  removeConnectedBefore(cutoff: Date): Promise<number>;
  /** Deletes up to `limit` records whose tokens expired at or before `cutoff`; returns them. */
  removeExpired(cutoff: Date, limit: number): Promise<Connection[]>;
}
