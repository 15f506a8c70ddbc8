import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { batchState, seedBatch } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/waitFor.js";
import { startOperatorStack, type OperatorStack } from "./operatorStack.js";

describe("batchctl dlq", () => {
  let ops: OperatorStack;
  const batches: string[] = [];

  beforeAll(async () => {
    ops = await startOperatorStack();
    // Three batches whose uploads are all in the uploads DLQ (say the AI backend was down): 30 messages.
    const { sql } = ops.stack.pipeline;
    for (let index = 0; index < 3; index++) {
      const batchId = await seedBatch(sql, { userId: "ops-user", uploads: 10 });
      await sql.query("UPDATE upload_batches SET status = 'processing', started_at = now() WHERE id = $1", [batchId]);
      const { rows } = await sql.query<{ id: string }>("SELECT id FROM uploads WHERE batch_id = $1", [batchId]);
      for (const { id } of rows) {
        await ops.stack.pipeline.sqs.send(
          new SendMessageCommand({
            QueueUrl: ops.stack.queues.uploads.dlqUrl,
            MessageBody: JSON.stringify({ batchId, uploadId: id }),
            MessageAttributes: { reason: { DataType: "String", StringValue: "model backend unavailable" } },
          }),
        );
      }
      batches.push(batchId);
    }
  });
  afterAll(() => ops?.close());

  it("lists the dead letters grouped by batch, with reasons, without consuming them", async () => {
    const first = await ops.batchctl("dlq", "list", "--queue", "uploads");
    const again = await ops.batchctl("dlq", "list", "--queue", "uploads", "--json");

    expect(first.code).toBe(0);
    for (const batchId of batches) expect(first.out).toContain(`batch ${batchId}: 10 message(s)`);
    expect(first.out).toContain("model backend unavailable");
    expect(JSON.parse(again.out)).toHaveLength(30);
  });

  it("redrives one batch selectively; the other two stay; counts are exact and a second redrive counts nothing twice", async () => {
    // Act
    const redrive = await ops.batchctl("dlq", "redrive", "--queue", "uploads", "--batch", batches[0] ?? "", "--rate", "50");

    // Assess
    expect(redrive).toMatchObject({ code: 0 });
    expect(redrive.out).toContain("10 message(s) moved from the uploads dead-letter queue back to uploads; 20 left in place");
    const remaining = JSON.parse((await ops.batchctl("dlq", "list", "--queue", "uploads", "--json")).out) as Array<{ batchId: string }>;
    expect(remaining).toHaveLength(20);
    expect(remaining.every((letter) => letter.batchId !== batches[0])).toBe(true);
    await waitFor(async () => (await batchState(ops.stack.pipeline.sql, batches[0] ?? "")).status === "completed", 30_000, "the redriven batch to complete");
    expect(await batchState(ops.stack.pipeline.sql, batches[0] ?? "")).toMatchObject({ processed: 10, successful: 10 });
    for (const other of batches.slice(1)) expect((await batchState(ops.stack.pipeline.sql, other)).processed).toBe(0);

    // The same messages redriven again (an operator's double click): nothing counts twice.
    const { rows } = await ops.stack.pipeline.sql.query<{ id: string }>("SELECT id FROM uploads WHERE batch_id = $1", [batches[0]]);
    for (const { id } of rows) {
      await ops.stack.pipeline.sqs.send(new SendMessageCommand({ QueueUrl: ops.stack.queues.uploads.dlqUrl, MessageBody: JSON.stringify({ batchId: batches[0], uploadId: id }) }));
    }
    expect((await ops.batchctl("dlq", "redrive", "--queue", "uploads", "--batch", batches[0] ?? "")).out).toContain("10 message(s) moved");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await batchState(ops.stack.pipeline.sql, batches[0] ?? "")).toMatchObject({ processed: 10, successful: 10, failed: 0 });
  });

  it("honours --max", async () => {
    const redrive = await ops.batchctl("dlq", "redrive", "--queue", "uploads", "--max", "3");

    expect(redrive.out).toMatch(/^3 message\(s\) moved/);
    expect(JSON.parse((await ops.batchctl("dlq", "list", "--queue", "uploads", "--json")).out)).toHaveLength(17);
  });

  it("parks a bad message of about 1 MiB whole, shows its pointer and body, and redrives the original body", async () => {
    // Prepare: a progress message the finalizer refuses, too large to park with its reason.
    const large = JSON.stringify({ batchId: "not-a-uuid", changes: [], padding: "x".repeat(1_048_400) });
    const letters = async () => JSON.parse((await ops.batchctl("dlq", "list", "--queue", "progress", "--json")).out) as Array<{ messageId: string; offloaded: { key: string } | null }>;
    const { endpoints } = ops.stack;
    const s3 = new S3Client({ endpoint: endpoints.s3Endpoint, region: endpoints.region, forcePathStyle: true, credentials: endpoints.credentials });

    // Act
    await ops.stack.pipeline.sqs.send(new SendMessageCommand({ QueueUrl: ops.stack.queues.progress.url, MessageBody: large }));
    const [parked] = await waitFor(async () => ((await letters()).length > 0 ? letters() : undefined), 30_000, "the message in the progress DLQ");
    const listed = await ops.batchctl("dlq", "list", "--queue", "progress");
    const shown = await ops.batchctl("dlq", "show", parked?.messageId ?? "", "--queue", "progress");
    const redrive = await ops.batchctl("dlq", "redrive", "--queue", "progress");
    const [parkedAgain] = await waitFor(async () => ((await letters()).some((letter) => letter.messageId !== parked?.messageId) ? letters() : undefined), 30_000, "the message parked again");

    // Assess
    expect(parked?.offloaded?.key).toMatch(/^dead-letters\/progress\//);
    expect(listed.out).toContain(`offloaded: s3://${endpoints.bucket}/dead-letters/progress/`);
    expect(shown).toMatchObject({ code: 0 });
    expect(shown.out).toContain("reason: invalid message: batchId");
    expect(shown.out.endsWith(large)).toBe(true);
    expect(redrive.out).toContain("1 message(s) moved from the progress dead-letter queue back to progress");
    // Sent back whole, refused again for the same reason, parked again whole; the first object is gone.
    expect(parkedAgain?.offloaded?.key).not.toBe(parked?.offloaded?.key);
    await expect(s3.send(new HeadObjectCommand({ Bucket: endpoints.bucket, Key: parked?.offloaded?.key }))).rejects.toThrow();
    s3.destroy();
  });

  it.each([
    [["dlq", "list", "--queue", "invoices"], 'unknown queue "invoices": choose batches, uploads, progress'],
    [["dlq", "redrive", "--batch", "12"], 'malformed id: "12" is not a batch id (a UUID)'],
    [["dlq", "redrive", "--max", "0"], "--max must be a whole number of at least 1"],
    [["dlq", "redrive", "--move-task", "--max", "5"], "--move-task moves every message: it cannot be combined with --batch or --max"],
  ])("refuses %j with a message that names what is wrong", async (args, message) => {
    const result = await ops.batchctl(...args);

    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
  });
});
