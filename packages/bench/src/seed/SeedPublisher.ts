/*
 * Port of the seed's progress publishing (vuemantics, backend/workers/batch_helpers/_publish_batch_progress.py,
 * _publish_file_progress.py and the publisher's `publish_to_user`): every call sends one message to
 * every socket of the batch's owner, awaited, and never fails the batch.
 *
 * Where the seed goes through Redis pub/sub (PUBLISH, then a listener writes to each local socket),
 * the port posts to each of the owner's connections through the local gateway's management API
 * (PostToConnection), so the benchmark's WebSocket client receives what a browser would. The seed's
 * WebSocket manager keeps the owner's sockets in memory; the port reads them from `connections` once
 * per owner, on first use.
 */
import { PostToConnectionCommand, type ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import type pg from "pg";
import type { SeedBatch, SeedUpload } from "./seedModels.js";

export interface PublisherStats {
  pushes: number;
  failures: number;
  /** Time the worker spent waiting for pushes: the seed awaits every one. */
  millis: number;
}

export class SeedPublisher {
  private readonly socketsByUser = new Map<string, string[]>();
  private readonly encoder = new TextEncoder();
  readonly stats: PublisherStats = { pushes: 0, failures: 0, millis: 0 };

  constructor(
    private readonly sql: pg.Pool,
    private readonly gateway: ApiGatewayManagementApiClient,
  ) {}

  /** `publish_batch_progress`. */
  async publishBatchProgress(batch: SeedBatch): Promise<void> {
    await this.publishToUser(batch.user_id, {
      action: "batch_progress",
      payload: {
        batch_id: batch.id,
        status: batch.status,
        total: batch.total_uploads,
        processed: batch.processed_uploads,
        successful: batch.successful_uploads,
        failed: batch.failed_uploads,
        progress_percentage: batch.total_uploads === 0 ? 0 : Math.trunc((batch.processed_uploads / batch.total_uploads) * 100),
      },
      timestamp: new Date().toISOString(),
    });
  }

  /** `publish_file_progress`. */
  async publishFileProgress(batch: SeedBatch, upload: SeedUpload, status: string, progress: number): Promise<void> {
    await this.publishToUser(batch.user_id, {
      action: "file_progress",
      payload: {
        batch_id: batch.id,
        upload_id: upload.id,
        file_name: upload.filename,
        file_size: Number(upload.file_size ?? 0),
        progress_percentage: progress,
        status,
      },
      timestamp: new Date().toISOString(),
    });
  }

  /** Like the seed, a failed push is counted and dropped: it never fails the batch. */
  private async publishToUser(userId: string, message: object): Promise<void> {
    const started = performance.now();
    try {
      const data = this.encoder.encode(JSON.stringify(message));
      for (const connectionId of await this.socketsOf(userId)) {
        try {
          await this.gateway.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
          this.stats.pushes++;
        } catch {
          this.stats.failures++;
        }
      }
    } catch {
      this.stats.failures++;
    } finally {
      this.stats.millis += performance.now() - started;
    }
  }

  private async socketsOf(userId: string): Promise<string[]> {
    let sockets = this.socketsByUser.get(userId);
    if (!sockets) {
      const { rows } = await this.sql.query<{ connection_id: string }>("SELECT connection_id FROM connections WHERE user_id = $1", [userId]);
      sockets = rows.map((row) => row.connection_id);
      this.socketsByUser.set(userId, sockets);
    }
    return sockets;
  }
}
