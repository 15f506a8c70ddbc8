/** What `.local/stack.json` holds: every endpoint a client or an operator tool needs. */
export interface StackEndpoints {
  httpUrl: string;
  wsUrl: string;
  managementEndpoint: string;
  sqsEndpoint: string;
  s3Endpoint: string;
  bucket: string;
  region: string;
  databaseUrl: string;
  pgProxy: string;
  queues: Record<string, { url: string; dlqUrl: string }>;
  authSecret: string;
}
