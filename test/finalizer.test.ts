import { SendMessageCommand } from "@aws-sdk/client-sqs";
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

  it("removes a connection that answers 410 Gone and still pushes to the others, only the owner's", async () => {
    // Prepare
    const batchId = await seedBatch(pipeline.sql, { userId: "owner", uploads: 2 });
    await pipeline.sql.query(
      "INSERT INTO connections (connection_id, user_id) VALUES ('tab-1', 'owner'), ('gone', 'owner'), ('tab-2', 'owner'), ('stranger', 'someone-else')",
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
    await pipeline.sql.query("INSERT INTO connections (connection_id, user_id) VALUES ('v-tab', 'versions')");
    pipeline.connections.open("v-tab");

    for (let run = 0; run < 3; run++) await invoke(pipeline, "finalizer", await progress(batchId));

    expect(pipeline.connections.messages("v-tab").map((push) => push.version)).toEqual([1, 2, 3]);
  });
});
