import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { PostgresBatchRepository } from "@pipeline/adapters/postgres";
import { seedBatch } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invoke } from "./support/invoke.js";
import { startTestPipeline, type TestPipeline } from "./support/startTestPipeline.js";

describe("finalizer pushes", () => {
  let pipeline: TestPipeline;

  beforeAll(async () => {
    pipeline = await startTestPipeline();
  });
  afterAll(() => pipeline?.close());

  async function progress(batchId: string) {
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.progress.url, MessageBody: JSON.stringify({ batchId, changes: [] }) }));
    return pipeline.drain("progress");
  }

  /** A progress message received a second time, as after a finalizer run that stopped before it was deleted. */
  async function redeliveredProgress(batchId: string) {
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.progress.url, MessageBody: JSON.stringify({ batchId, changes: [] }) }));
    await pipeline.sqs.send(new ReceiveMessageCommand({ QueueUrl: pipeline.queues.progress.url, VisibilityTimeout: 0 }));
    const messages = await pipeline.drain("progress");
    expect(messages.map((message) => message.Attributes?.ApproximateReceiveCount)).toEqual(["2"]);
    return messages;
  }

  /** A processing batch of `uploads` whose uploads are all counted (completed), for the finalizer to finalize. */
  async function countedBatch(userId: string, uploads: number, connectionIds: readonly string[]) {
    const batchId = await seedBatch(pipeline.sql, { userId, uploads });
    await pipeline.sql.query("UPDATE uploads SET processing_status = 'completed' WHERE batch_id = $1", [batchId]);
    await pipeline.sql.query("UPDATE upload_batches SET status = 'processing', processed_uploads = $2, successful_uploads = $2 WHERE id = $1", [batchId, uploads]);
    for (const connectionId of connectionIds) {
      await pipeline.sql.query("INSERT INTO connections (connection_id, user_id, token_expires_at) VALUES ($1, $2, now() + interval '1 hour')", [connectionId, userId]);
      pipeline.connections.open(connectionId);
    }
    return batchId;
  }

  async function uploadIdsOf(batchId: string): Promise<string[]> {
    const { rows } = await pipeline.sql.query<{ id: string }>("SELECT id FROM uploads WHERE batch_id = $1 ORDER BY id", [batchId]);
    return rows.map((row) => row.id);
  }

  async function sendProgress(message: unknown) {
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.progress.url, MessageBody: JSON.stringify(message) }));
    return pipeline.drain("progress");
  }

  const completedPushes = (connectionId: string) =>
    pipeline.connections.messages<{ type: string; batchId: string; version: number; changes: unknown[] }>(connectionId).filter((push) => push.type === "batch.completed");

  it("removes a connection that answers 410 Gone and still pushes to the others, only the owner's", async () => {
    // Prepare
    const batchId = await seedBatch(pipeline.sql, { userId: "owner", uploads: 2 });
    await pipeline.sql.query(
      "INSERT INTO connections (connection_id, user_id, token_expires_at) SELECT id, owner, now() + interval '1 hour' FROM (VALUES ('tab-1', 'owner'), ('gone', 'owner'), ('tab-2', 'owner'), ('stranger', 'someone-else')) AS tabs (id, owner)",
    );
    for (const id of ["tab-1", "tab-2", "stranger"]) pipeline.connections.open(id);

    const goneBefore = pipeline.metrics.counts.get("ConnectionsGone") ?? 0;

    // Act
    const response = await invoke(pipeline, "finalizer", await progress(batchId));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const { rows } = await pipeline.sql.query<{ connection_id: string }>("SELECT connection_id FROM connections ORDER BY connection_id");
    expect(rows.map((row) => row.connection_id)).toEqual(["stranger", "tab-1", "tab-2"]);
    for (const id of ["tab-1", "tab-2"]) expect(pipeline.connections.messages(id)).toEqual([expect.objectContaining({ type: "batch.progress", batchId, version: 1 })]);
    expect(pipeline.connections.messages("stranger")).toEqual([]);
    expect((pipeline.metrics.counts.get("ConnectionsGone") ?? 0) - goneBefore).toBe(1);
  });

  it("gives every push of a batch a higher version than the one before", async () => {
    const batchId = await seedBatch(pipeline.sql, { userId: "versions", uploads: 1 });
    await pipeline.sql.query("INSERT INTO connections (connection_id, user_id, token_expires_at) VALUES ('v-tab', 'versions', now() + interval '1 hour')");
    pipeline.connections.open("v-tab");

    for (let run = 0; run < 3; run++) await invoke(pipeline, "finalizer", await progress(batchId));

    expect(pipeline.connections.messages("v-tab").map((push) => push.version)).toEqual([1, 2, 3]);
  });

  it("pushes batch.completed once per connection, however many progress messages arrive after the batch finalized", async () => {
    const batchId = await countedBatch("late", 3, ["late-1", "late-2"]);

    for (let run = 0; run < 4; run++) await invoke(pipeline, "finalizer", await progress(batchId));

    for (const id of ["late-1", "late-2"]) {
      expect(pipeline.connections.messages(id)).toEqual([expect.objectContaining({ type: "batch.completed", batchId, version: 1, status: "completed", processed: 3 })]);
    }
    const { rows } = await pipeline.sql.query<{ progress_version: string }>("SELECT progress_version FROM upload_batches WHERE id = $1", [batchId]);
    expect(rows.map((row) => Number(row.progress_version))).toEqual([1]);
  });

  it("pushes the final state again, at its version, when the run that finalized the batch died before its pushes; once", async () => {
    const batchId = await countedBatch("again", 2, ["again-1"]);
    // The finalizing run: its statement committed, then the process died; its message comes back.
    await new PostgresBatchRepository(pipeline.sql).advanceProgress([batchId]);

    await invoke(pipeline, "finalizer", await redeliveredProgress(batchId));
    await invoke(pipeline, "finalizer", await redeliveredProgress(batchId));
    await invoke(pipeline, "finalizer", await progress(batchId));

    expect(completedPushes("again-1")).toEqual([expect.objectContaining({ batchId, version: 1, status: "completed", processed: 2 })]);
  });

  it("pushes what the rows say, not what a progress message claims: a forged failure of a completed upload shows completed", async () => {
    // Prepare: one upload completed and counted, one still pending; a stranger's batch.
    const batchId = await seedBatch(pipeline.sql, { userId: "forged", uploads: 2 });
    const [done, pending] = (await uploadIdsOf(batchId)) as [string, string];
    await pipeline.sql.query("UPDATE uploads SET processing_status = 'completed' WHERE id = $1", [done]);
    await pipeline.sql.query("UPDATE upload_batches SET status = 'processing', processed_uploads = 1, successful_uploads = 1 WHERE id = $1", [batchId]);
    const [strangers] = (await uploadIdsOf(await seedBatch(pipeline.sql, { userId: "stranger", uploads: 1 }))) as [string];
    await pipeline.sql.query("INSERT INTO connections (connection_id, user_id, token_expires_at) VALUES ('forged-1', 'forged', now() + interval '1 hour')");
    pipeline.connections.open("forged-1");

    // Act: a message claiming the completed upload failed, and naming another batch's upload.
    const forged = { batchId, changes: [{ uploadId: done, status: "failed", error: "forged failure" }, { uploadId: strangers, status: "failed", error: "not yours" }] };
    await invoke(pipeline, "finalizer", await sendProgress(forged));

    // Assess
    const [push] = pipeline.connections.messages<{ type: string; changes: unknown[] }>("forged-1");
    expect(push).toMatchObject({ type: "batch.progress", batchId, processed: 1, successful: 1, failed: 0 });
    expect(push?.changes).toEqual([{ uploadId: done, status: "completed" }]);
    expect(JSON.stringify(pipeline.connections.messages("forged-1"))).not.toContain(pending);
  });

  it("puts every upload's outcome in the final push when a stage report finalizes the batch before the last outcome's message", async () => {
    // Prepare: every outcome counted; the last one's progress message has not arrived.
    const batchId = await countedBatch("race", 3, ["race-1"]);
    const [first, second, last] = (await uploadIdsOf(batchId)) as [string, string, string];
    await pipeline.sql.query("UPDATE uploads SET processing_status = 'failed', error_message = 'unreadable file' WHERE id = $1", [last]);
    await pipeline.sql.query("UPDATE upload_batches SET successful_uploads = 2, failed_uploads = 1 WHERE id = $1", [batchId]);

    // Act: the run of a stage report sent before the outcomes.
    await invoke(pipeline, "finalizer", await sendProgress({ batchId, changes: [{ uploadId: first, status: "processing", stage: "thumbnail" }] }));

    // Assess
    const [completed] = completedPushes("race-1");
    expect(completed).toMatchObject({ status: "completed", processed: 3, failed: 1, changesTruncated: false });
    expect(new Set(completed?.changes)).toEqual(
      new Set([
        { uploadId: first, status: "completed" },
        { uploadId: second, status: "completed" },
        { uploadId: last, status: "failed", error: "unreadable file" },
      ]),
    );
  });
});
