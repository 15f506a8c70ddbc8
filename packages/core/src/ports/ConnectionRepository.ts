export interface Connection {
  connectionId: string;
  userId: string;
}

export interface ConnectionRepository {
  forUsers(userIds: readonly string[]): Promise<Connection[]>;
  remove(connectionId: string): Promise<void>;
}
