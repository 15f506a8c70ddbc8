import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message } from "@aws-sdk/client-sqs";
import type { UploadProcessor } from "@pipeline/core";
import { createLocalCredentials, createPipeline, createQueues, localSqsClient, startManagementServer, startWebSocketProxy, type InProcessPipeline, type StackQueues } from "@pipeline/local";

import { wiring as deployedWiring, type QueueName, type Wiring } from "@pipeline/wiring";
import { startFauxqs } from "fauxqs";
import { RecordingConnections } from "./RecordingConnections.js";
import { RecordingLogger } from "./RecordingLogger.js";
import { RecordingMetrics } from "./RecordingMetrics.js";
import { createTestDatabase } from "./testDatabase.js";
import { SimulatedUploadProcessor } from "@pipeline/media";

export const TEST_AUTH_SECRET = "test-secret-that-is-at-least-32-characters-long";

export interface TestPipelineOptions {
  /** Adjusts a copy of the deployed wiring, e.g. shorter timeouts and backoff for a test. */
  wiring?: (wiring: Wiring) => void;
  processor?: UploadProcessor;
}

export interface TestPipeline extends InProcessPipeline {
  queues: StackQueues;
  wiring: Wiring;
  logger: RecordingLogger;
  metrics: RecordingMetrics;
  connections: RecordingConnections;
  /** The test database's direct connection string (the functions use the pooled one). */
  directUrl: string;
  /** Receives (and deletes) every message now visible in a queue, for inspection. */
  drain(queue: QueueName | `${QueueName}-dlq`): Promise<Message[]>;
  close(): Promise<void>;
}

/**
 * The deployed functions on real engines: a database of the test's own on embedded Postgres
 * (through the Neon driver, the WebSocket proxy and the run's pgbouncer in transaction mode),
 * queues on fauxqs, and the management API.
 */
export async function startTestPipeline(options: TestPipelineOptions = {}): Promise<TestPipeline> {
  const wiring = structuredClone(deployedWiring);
  // These tests drive the functions by hand (drain a queue, invoke): a window wider than any of
  // their batches has the fan-out release a batch whole, as they expect. Windows themselves are
  // tested with the deployed width in fanout.test.ts, the flow contract and the stacks' tests.
  wiring.flowControl.defaultMaxInFlight = 10_000;
  options.wiring?.(wiring);
  const database = await createTestDatabase();
  const pooledUrl = database.pooledUrl();
  const proxy = await startWebSocketProxy({ databases: [pooledUrl] });
  const engine = await startFauxqs({ port: 0, logger: false });
  const credentials = createLocalCredentials();
  const connections = new RecordingConnections();
  const management = await startManagementServer(connections, { credentials });
  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();
  const sqsEndpoint = `http://127.0.0.1:${engine.port}`;
  const admin = localSqsClient(sqsEndpoint, credentials);
  const queues = await createQueues(admin, wiring);
  admin.destroy();
  const pipeline = createPipeline({
    databaseUrl: pooledUrl,
    pgProxy: proxy.address,
    sqsEndpoint,
    queues,
    managementEndpoint: management.endpoint,
    credentials,
    wiring,
    logger,
    metrics,
    authSecret: TEST_AUTH_SECRET,
    processor: options.processor ?? new SimulatedUploadProcessor(),
  });

  const queueUrl = (queue: QueueName | `${QueueName}-dlq`) =>
    queue.endsWith("-dlq") ? queues[queue.slice(0, -4) as QueueName].dlqUrl : queues[queue as QueueName].url;

  return {
    ...pipeline,
    queues,
    wiring,
    logger,
    metrics,
    connections,
    directUrl: database.url,
    async drain(queue) {
      const url = queueUrl(queue);
      const all: Message[] = [];
      for (;;) {
        const { Messages = [] } = await pipeline.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ["All"], MessageAttributeNames: ["All"], VisibilityTimeout: 600 }),
        );
        if (Messages.length === 0) break;
        all.push(...Messages);
      }
      // Deleted one by one, not purged: a purge would also drop delayed messages not received yet.
      for (let start = 0; start < all.length; start += 10) {
        await pipeline.sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: url, Entries: all.slice(start, start + 10).map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? "" })) }),
        );
      }
      return all;
    },
    async close() {
      await pipeline.stop();
      await management.close();
      await engine.stop();
      await proxy.close();
      await database.drop();
    },
  };
}
