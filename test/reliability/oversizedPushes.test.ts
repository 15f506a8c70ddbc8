import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { batchState, seedBatch } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invoke } from "../support/invoke.js";
import { startTestPipeline, type TestPipeline } from "../support/startTestPipeline.js";

const FAILED_UPLOADS = 200;
const USER = "user-long-reasons";
const CONNECTION = "conn-long-reasons";
/** The media step's reason for a text file named with 250 CJK characters (legal on Windows: NTFS allows 255 UTF-16 units). */
const REASON = `file content is not a recognised image or video (named ${JSON.stringify(`${"写".repeat(246)}.jpg`)}); supported: JPEG, PNG, WebP, GIF, AVIF, HEIC, TIFF, MP4, MOV, WebM, MKV`;

/**
 * API Gateway refuses a PostToConnection over 128 KB (the local management API does too). A push
 * carries up to 200 changes, each with its failure reason: the reasons' length decides its size.
 */
describe("a finalizer run whose changes carry long failure reasons", () => {
  let pipeline: TestPipeline;

  beforeAll(async () => {
    pipeline = await startTestPipeline();
  });
  afterAll(() => pipeline?.close());

  it("still delivers batch.completed to the owner's client", async () => {
    // Prepare: the batch as the worker leaves it, every upload failed with its reason and counted.
    const batchId = await seedBatch(pipeline.sql, { userId: USER, uploads: FAILED_UPLOADS });
    const { rows } = await pipeline.sql.query<{ id: string }>(
      "UPDATE uploads SET processing_status = 'failed', error_message = $2 WHERE batch_id = $1 RETURNING id",
      [batchId, REASON],
    );
    await pipeline.sql.query(
      "UPDATE upload_batches SET status = 'processing', started_at = now(), processed_uploads = $2, failed_uploads = $2 WHERE id = $1",
      [batchId, FAILED_UPLOADS],
    );
    await pipeline.sql.query("INSERT INTO connections (connection_id, user_id, token_expires_at) VALUES ($1, $2, now() + interval '1 hour')", [CONNECTION, USER]);
    pipeline.connections.open(CONNECTION);
    const changes = rows.map((row) => ({ uploadId: row.id, status: "failed", error: REASON }));
    expect(Buffer.byteLength(JSON.stringify(changes))).toBeGreaterThan(128 * 1024);
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.progress.url, MessageBody: JSON.stringify({ batchId, changes }) }));

    // Act
    const response = await invoke(pipeline, "finalizer", await pipeline.drain("progress"));

    // Assess: the batch is finalized, and its owner hears of it.
    expect(response.batchItemFailures).toEqual([]);
    expect(await batchState(pipeline.sql, batchId)).toMatchObject({ status: "completed", processed: FAILED_UPLOADS, failed: FAILED_UPLOADS });
    expect(pipeline.metrics.counts.get("PushesFailed") ?? 0).toBe(0);
    expect(pipeline.connections.messages(CONNECTION).filter((push) => push.type === "batch.completed")).toHaveLength(1);
  });
});
