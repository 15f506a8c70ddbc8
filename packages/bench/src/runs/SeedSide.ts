import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";

import pg from "pg";
import type { BenchStack } from "../environment/startBenchStack.js";
import { SeedBatchWorker } from "../seed/SeedBatchWorker.js";
import { SeedPublisher, type PublisherStats } from "../seed/SeedPublisher.js";
import type { RunTiming } from "./batchRun.js";
import { SimulatedUploadProcessor } from "@pipeline/media";

/** From calling the worker to the client receiving the batch's last progress (status completed). */
export interface SeedTiming extends RunTiming {
  monitorReads: number;
  publisher: PublisherStats;
}

/** asyncpg's default pool size, which the seed runs with. */
const SEED_POOL_SIZE = 10;

/**
 * The seed's worker beside a running stack: its own connection pool to the same Postgres, and the
 * stack's gateway for its pushes, with the same simulated processor as the pipeline's.
 */
export class SeedSide {
  private readonly pool: pg.Pool;
  private readonly gateway: ApiGatewayManagementApiClient;
  private readonly processor: SimulatedUploadProcessor;

  constructor(
    private readonly bench: BenchStack,
    databaseUrl: string,
    private readonly latencyMillis: number,
  ) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: SEED_POOL_SIZE });
    // An idle connection the server drops must not end the process; the next query reconnects.
    this.pool.on("error", () => {});
    this.gateway = new ApiGatewayManagementApiClient({ region: "us-east-1", endpoint: bench.stack.endpoints.managementEndpoint, credentials: bench.stack.endpoints.credentials });
    this.processor = new SimulatedUploadProcessor({ latencyMillis });
  }

  async run(batchId: string, uploads: number): Promise<SeedTiming> {
    const publisher = new SeedPublisher(this.pool, this.gateway);
    const worker = new SeedBatchWorker(this.pool, this.processor, publisher);
    const completed = this.bench.client.waitFor(
      (message) => {
        const payload = message.payload as { batch_id?: string; status?: string } | undefined;
        return message.action === "batch_progress" && payload?.batch_id === batchId && payload.status === "completed";
      },
      // Sequential: each upload takes the latency and a few milliseconds of statements and pushes.
      60_000 + uploads * (this.latencyMillis + 100),
      `the seed port's final progress for batch ${batchId}`,
    );
    const startedAt = Date.now();
    await worker.processBatch(batchId);
    const { receivedAt } = await completed;
    return { startedAt, completedAt: receivedAt, monitorReads: worker.stats.monitorReads, publisher: publisher.stats };
  }

  async close(): Promise<void> {
    this.gateway.destroy();
    await this.pool.end();
  }
}
