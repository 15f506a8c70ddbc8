/** What `.local/stack.json` holds: every endpoint a client or an operator tool needs. */
export interface StackEndpoints {
  httpUrl: string;
  wsUrl: string;
  managementEndpoint: string;
  sqsEndpoint: string;
  s3Endpoint: string;
  bucket: string;
  region: string;
  /** The direct connection string: operators (batchctl) and migrations. */
  databaseUrl: string;
  /** The functions' connection string: pgbouncer in transaction mode, or `databaseUrl` when there is none. */
  pooledDatabaseUrl: string;
  pgProxy: string;
  queues: Record<string, { url: string; dlqUrl: string }>;
  authSecret: string;
}
