import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { ProcessingResult, UploadProcessor, UploadToProcess } from "@pipeline/core";
import { batchState, seedBatch } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPipeline, type TestPipeline } from "./support/startTestPipeline.js";
import { waitFor } from "./support/waitFor.js";

/** The first upload (by id) waits for the test's go-ahead; the others finish at once. */
class OneSlowUpload implements UploadProcessor {
  slowId: string | undefined;
  private release: () => void = () => {};
  readonly released = new Promise<void>((resolve) => (this.release = resolve));

  async process(upload: UploadToProcess): Promise<ProcessingResult> {
    if (upload.id === this.slowId) await this.released;
    return { description: upload.filename, thumbnailPath: null, metadata: {}, embedding: [0] };
  }

  letGo(): void {
    this.release();
  }
}

describe("a slow upload", () => {
  let pipeline: TestPipeline;
  const processor = new OneSlowUpload();

  beforeAll(async () => {
    pipeline = await startTestPipeline({ processor });
    pipeline.startRunners();
  });
  afterAll(async () => {
    processor.letGo();
    await pipeline?.close();
  });

  it("does not hold up the uploads processed beside it: they are counted and reported while it runs", async () => {
    // Prepare: ten uploads, one worker invocation (batch size 10), the first one slow.
    const batchId = await seedBatch(pipeline.sql, { userId: "slow", uploads: 10 });
    const { rows } = await pipeline.sql.query<{ id: string }>("SELECT id FROM uploads WHERE batch_id = $1 ORDER BY id LIMIT 1", [batchId]);
    processor.slowId = rows[0]?.id;

    // Act
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.batches.url, MessageBody: JSON.stringify({ batchId }) }));

    // Assess: nine counted while the tenth is still in processing, then all ten.
    const partial = await waitFor(async () => {
      const state = await batchState(pipeline.sql, batchId);
      return state.processed === 9 ? state : undefined;
    }, 20_000, "the nine fast uploads to be counted");
    expect(partial).toMatchObject({ status: "processing", successful: 9 });
    const { rows: slow } = await pipeline.sql.query<{ processing_status: string }>("SELECT processing_status FROM uploads WHERE id = $1", [processor.slowId]);
    expect(slow[0]?.processing_status).toBe("processing");

    processor.letGo();
    const final = await waitFor(async () => {
      const state = await batchState(pipeline.sql, batchId);
      return state.status === "completed" ? state : undefined;
    }, 20_000, "the batch to complete");
    expect(final).toMatchObject({ processed: 10, successful: 10 });
  });
});
