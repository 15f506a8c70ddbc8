/** The live sockets behind the management API: what `@connections/{id}` reads and writes. */
export interface ConnectionRegistry {
  /** Delivers data to the connection; false when no such connection exists (410 Gone). */
  post(connectionId: string, data: Buffer): boolean | Promise<boolean>;
  describe(connectionId: string): { connectedAt: Date; sourceIp: string; lastActiveAt: Date } | undefined;
  /** Closes the connection; false when it did not exist. */
  disconnect(connectionId: string): boolean;
}
