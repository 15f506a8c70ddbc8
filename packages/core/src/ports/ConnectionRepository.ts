export interface Connection {
  connectionId: string;
  userId: string;
}

export interface ConnectionRepository {
  add(connection: Connection): Promise<void>;
  forUsers(userIds: readonly string[]): Promise<Connection[]>;
  remove(connectionId: string): Promise<void>;
  userOf(connectionId: string): Promise<string | undefined>;
  connectedBefore(cutoff: Date): Promise<Connection[]>;
  /** Deletes the records of connections opened before `cutoff`; returns how many. */
  removeConnectedBefore(cutoff: Date): Promise<number>;
}
