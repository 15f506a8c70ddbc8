import { describe, expect, it } from "vitest";
import type { BatchStatus } from "../batch/batchStatus.js";
import { PermanentProcessingError } from "../errors.js";
import { fanOutBatch, fanOutVerdict } from "../fanout/fanOutBatch.js";
import type { BatchMessage, ProgressMessage, UploadMessage } from "../messages/schemas.js";
import type { BatchRepository, FanOutStart, ProgressAdvance } from "../ports/BatchRepository.js";
import type { Connection, ConnectionRepository, FrameAdmission } from "../ports/ConnectionRepository.js";
import type { Logger } from "../ports/Logger.js";
import type { PushSequencer } from "../ports/PushSequencer.js";
import type { UploadProcessor } from "../ports/UploadProcessor.js";
import type { RecordedOutcomes, UploadClaim, UploadRef, UploadRepository } from "../ports/UploadRepository.js";
import type { FlowPolicy, Release } from "../flow/batchFlow.js";
import { finalizeProgress, finalizeVerdict } from "../progress/finalizeProgress.js";
import type { ProcessingResult, UploadChange, UploadOutcome } from "../upload/types.js";
import { isTerminalUploadStatus, type UploadStatus } from "../upload/uploadStatus.js";
import { processUploads, type UploadWork } from "../worker/processUploads.js";
import type { Verdict } from "./messageFate.js";

// Every verdict the three queue use cases give, on in-memory ports: no Postgres, no SQS.

const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const B1 = "b1";
const MISSING = "b-missing";

describe("fanOutBatch's verdicts", () => {
  const cases: Array<[string, BatchMessage, Verdict, number]> = [
    ["a pending batch releases its first window", { batchId: B1 }, { kind: "done" }, 2],
    ["an unknown batch is dead-lettered", { batchId: MISSING }, { kind: "dead-letter", reason: `unknown batch ${MISSING}` }, 0],
    ["a finished batch is skipped", { batchId: "b-done" }, { kind: "done" }, 0],
    ["a processing batch's window is topped up", { batchId: "b-processing" }, { kind: "done" }, 1],
  ];
  const flow = { defaultMaxInFlight: 2, bulkShareWhileInteractive: 0.5, releaseLeaseSeconds: 60 };

  it.each(cases)("%s", async (_name, message, verdict, uploadsSent) => {
    const deps = fanOutDeps();

    const result = await fanOutBatch(deps, message, flow);

    expect(fanOutVerdict(message, result)).toEqual(verdict);
    expect(deps.uploadQueue.sent).toHaveLength(uploadsSent);
  });

  it("a queue that is down fails the use case (the skeleton requeues it), and the released uploads are held for the next release", async () => {
    const deps = fanOutDeps();
    deps.uploadQueue.down = true;

    await expect(fanOutBatch(deps, { batchId: B1 }, flow)).rejects.toThrow("queue down");
    expect(deps.uploads.held).toEqual(["u1", "u2"]);
  });

  function fanOutDeps() {
    const batches = new InMemoryBatchRepository();
    batches.add(B1, "pending", ["u1", "u2", "u3"]);
    batches.add("b-done", "completed", ["u1"]);
    batches.add("b-processing", "processing", ["u1", "u2", "u3"]);
    // One of b-processing's window of 2 is in flight.
    batches.inFlight.set("b-processing", 1);
    const uploads = { held: [] as string[], hold: async (_batchId: string, ids: readonly string[]) => void uploads.held.push(...ids) };
    return { batches, uploads, uploadQueue: new InMemoryQueue<UploadMessage>(), progressQueue: new InMemoryQueue<ProgressMessage>(), logger: silent };
  }
});

describe("processUploads' verdicts", () => {
  const policy = { maxReceiveCount: 3, baseDelaySeconds: 2, maxDelaySeconds: 60 };
  const fails = (error: Error) => async (): Promise<ProcessingResult> => {
    throw error;
  };
  const succeeds = async (): Promise<ProcessingResult> => ({ description: "a cat", thumbnailPath: null, metadata: null, embedding: null });

  const cases: Array<[string, UploadMessage, number, () => Promise<ProcessingResult>, Verdict, UploadStatus | undefined]> = [
    ["an unknown upload is dead-lettered", { batchId: B1, uploadId: "nobody" }, 1, succeeds, { kind: "dead-letter", reason: "unknown upload nobody" }, undefined],
    ["an unknown batch is dead-lettered", { batchId: MISSING, uploadId: "u-orphan" }, 1, succeeds, { kind: "dead-letter", reason: `unknown batch ${MISSING}` }, "pending"],
    ["an upload of another batch is dead-lettered", { batchId: B1, uploadId: "u-other" }, 1, succeeds, { kind: "dead-letter", reason: `upload u-other belongs to batch b2, not ${B1}` }, "pending"],
    ["a terminal upload is reported again", { batchId: B1, uploadId: "u-done" }, 1, succeeds, { kind: "done" }, "completed"],
    ["an upload of a batch not processing is skipped", { batchId: "b-cancelled", uploadId: "u-cancelled" }, 1, succeeds, { kind: "done" }, "pending"],
    ["an upload finished by a concurrent delivery is done", { batchId: B1, uploadId: "u-elsewhere" }, 1, succeeds, { kind: "done" }, "completed"],
    ["a processed upload is done", { batchId: B1, uploadId: "u1" }, 1, succeeds, { kind: "done" }, "completed"],
    ["a permanent failure fails the upload at once", { batchId: B1, uploadId: "u1" }, 1, fails(new PermanentProcessingError("not an image")), { kind: "done" }, "failed"],
    ["a failure is retried with backoff", { batchId: B1, uploadId: "u1" }, 2, fails(new Error("model busy")), { kind: "retry", delaySeconds: 4, reason: "model busy" }, "processing"],
    ["a failure on the last attempt fails the upload", { batchId: B1, uploadId: "u1" }, 3, fails(new Error("model busy")), { kind: "done" }, "failed"],
  ];

  it.each(cases)("%s", async (_name, message, receiveCount, process, verdict, status) => {
    const uploads = uploadRepository();

    const verdicts = await processUploads(deps(uploads, process), [{ messageId: "m1", message, receiveCount }], options);

    expect(verdicts).toEqual(new Map([["m1", verdict]]));
    expect(uploads.statusOf(message.uploadId)).toBe(status);
  });

  it("a duplicate delivery within one invocation is processed once", async () => {
    const uploads = uploadRepository();
    let processed = 0;
    const works: UploadWork[] = ["m1", "m2"].map((messageId) => ({ messageId, message: { batchId: B1, uploadId: "u1" }, receiveCount: 1 }));

    const verdicts = await processUploads(deps(uploads, async () => (processed++, succeeds())), works, options);

    expect(verdicts).toEqual(new Map([["m1", { kind: "done" }], ["m2", { kind: "done" }]]));
    expect(processed).toBe(1);
  });

  it("a paused batch's upload is not started, and its message is done (the upload is held for the resume)", async () => {
    const uploads = uploadRepository();
    let processed = 0;

    const verdicts = await processUploads(deps(uploads, async () => (processed++, succeeds())), [{ messageId: "m1", message: { batchId: "b-paused", uploadId: "u-paused" }, receiveCount: 1 }], options);

    expect(verdicts).toEqual(new Map([["m1", { kind: "done" }]]));
    expect(processed).toBe(0);
    expect(uploads.statusOf("u-paused")).toBe("pending");
  });

  it("the uploads an outcome commit releases are sent to the uploads queue", async () => {
    const uploads = uploadRepository();
    uploads.releases = ["u-next"];
    const dependencies = deps(uploads, succeeds);

    await processUploads(dependencies, [{ messageId: "m1", message: { batchId: B1, uploadId: "u1" }, receiveCount: 1 }], options);

    expect(dependencies.uploadQueue.sent).toEqual([{ batchId: B1, uploadId: "u-next" }]);
  });

  it("a refill that cannot be sent is held and does not fail the committed messages", async () => {
    const uploads = uploadRepository();
    uploads.releases = ["u-next"];
    const dependencies = deps(uploads, succeeds);
    dependencies.uploadQueue.down = true;

    const verdicts = await processUploads(dependencies, [{ messageId: "m1", message: { batchId: B1, uploadId: "u1" }, receiveCount: 1 }], options);

    expect(verdicts).toEqual(new Map([["m1", { kind: "done" }]]));
    expect(uploads.held).toEqual(["u-next"]);
  });

  it("a redelivery of a terminal upload schedules one delayed window check for its batch (the commit's refill may be lost)", async () => {
    const uploads = uploadRepository();
    const dependencies = deps(uploads, succeeds);
    const works: UploadWork[] = ["m1", "m2"].map((messageId) => ({ messageId, message: { batchId: B1, uploadId: "u-done" }, receiveCount: 2 }));

    await processUploads(dependencies, works, options);

    expect(dependencies.batchQueue.sent).toEqual([{ batchId: B1 }]);
    expect(dependencies.batchQueue.delays).toEqual([65]);
  });

  it("an outcome that cannot be committed is requeued", async () => {
    const uploads = uploadRepository();
    uploads.recordingDown = true;

    const verdicts = await processUploads(deps(uploads, succeeds), [{ messageId: "m1", message: { batchId: B1, uploadId: "u1" }, receiveCount: 1 }], options);

    expect(verdicts.get("m1")).toMatchObject({ kind: "requeue" });
    expect(uploads.statusOf("u1")).toBe("processing");
  });

  it("a claim that fails fails the use case (the skeleton requeues it)", async () => {
    const uploads = uploadRepository();
    uploads.claimDown = true;

    await expect(processUploads(deps(uploads, succeeds), [{ messageId: "m1", message: { batchId: B1, uploadId: "u1" }, receiveCount: 1 }], options)).rejects.toThrow("database down");
  });

  const options = { processingBudgetMillis: 5_000, concurrency: 4, commitLingerMillis: 0, stageReportIntervalMillis: 0 };

  function uploadRepository() {
    const uploads = new InMemoryUploadRepository();
    uploads.addBatch(B1, "processing");
    uploads.addBatch("b2", "processing");
    uploads.addBatch("b-cancelled", "cancelled");
    uploads.addBatch("b-paused", "processing");
    uploads.paused.add("b-paused");
    uploads.addUpload("u-paused", "b-paused", "pending");
    uploads.addUpload("u1", B1, "pending");
    uploads.addUpload("u-done", B1, "completed");
    uploads.addUpload("u-other", "b2", "pending");
    uploads.addUpload("u-orphan", MISSING, "pending");
    uploads.addUpload("u-cancelled", "b-cancelled", "pending");
    uploads.addUpload("u-elsewhere", B1, "pending");
    uploads.finishedElsewhere.add("u-elsewhere");
    return uploads;
  }

  function deps(uploads: InMemoryUploadRepository, process: () => Promise<ProcessingResult>) {
    const processor: UploadProcessor = { process };
    return {
      uploads,
      processor,
      progress: new InMemoryQueue<ProgressMessage>(),
      uploadQueue: new InMemoryQueue<UploadMessage>(),
      batchQueue: new InMemoryQueue<BatchMessage>(),
      logger: silent,
      retry: policy,
      flow: { defaultMaxInFlight: 10, bulkShareWhileInteractive: 0.5, releaseLeaseSeconds: 60 },
    };
  }
});

describe("finalizeProgress' verdicts", () => {
  it.each([
    ["progress for a known batch is applied", B1, { kind: "done" }],
    ["progress for an unknown batch is dead-lettered", MISSING, { kind: "dead-letter", reason: `unknown batch ${MISSING}` }],
  ] as Array<[string, string, Verdict]>)("%s", async (_name, batchId, verdict) => {
    const deps = finalizeDeps();
    const message: ProgressMessage = { batchId, changes: [] };

    const result = await finalizeProgress(deps, [message], { pushConcurrency: 1 });

    expect(finalizeVerdict(message, result)).toEqual(verdict);
  });

  it("a repository that is down fails the use case (the skeleton requeues it)", async () => {
    const deps = finalizeDeps();
    deps.batches.down = true;

    await expect(finalizeProgress(deps, [{ batchId: B1, changes: [] }], { pushConcurrency: 1 })).rejects.toThrow("database down");
  });

  function finalizeDeps() {
    const batches = new InMemoryBatchRepository();
    batches.add(B1, "processing", ["u1"]);
    const sequencer: PushSequencer = { inOrder: (_batchIds, work) => work(new AbortController().signal) };
    const notifier = { push: async () => "sent" as const, exists: async () => true, close: async () => {} };
    return { batches, sequencer, connections: new InMemoryConnectionRepository(), notifier, logger: silent };
  }
});

class InMemoryQueue<T> {
  readonly sent: T[] = [];
  readonly delays: number[] = [];
  down = false;

  async send(message: T, options: { delaySeconds?: number } = {}): Promise<void> {
    await this.sendAll([message]);
    if (options.delaySeconds !== undefined) this.delays.push(options.delaySeconds);
  }

  async sendAll(messages: readonly T[], _options?: { fairnessKey?: string }): Promise<void> {
    if (this.down) throw new Error("queue down");
    this.sent.push(...messages);
  }
}

class InMemoryBatchRepository implements BatchRepository {
  private readonly batches = new Map<string, { status: BatchStatus; uploadIds: string[]; version: number; cursor: string | null }>();
  /** Uploads in flight per batch (released before the test). */
  readonly inFlight = new Map<string, number>();
  down = false;

  add(batchId: string, status: BatchStatus, uploadIds: string[]): void {
    this.batches.set(batchId, { status, uploadIds: [...uploadIds].sort(), version: 0, cursor: null });
  }

  async startFanOut(batchId: string): Promise<FanOutStart> {
    const batch = this.get(batchId);
    if (!batch) return { kind: "not-found" };
    if (batch.status === "processing") return { kind: "resumed" };
    if (batch.status !== "pending") return { kind: "finished", status: batch.status };
    batch.status = "processing";
    return { kind: "started", declaredTotal: batch.uploadIds.length, actualTotal: batch.uploadIds.length };
  }

  async statusOf(batchId: string): Promise<BatchStatus | undefined> {
    return this.get(batchId)?.status;
  }

  async releaseWindow(batchId: string, policy: FlowPolicy): Promise<Release> {
    const batch = this.get(batchId);
    if (!batch || batch.status !== "processing") return { ownerId: "user", uploadIds: [] };
    const room = Math.max(0, policy.defaultMaxInFlight - (this.inFlight.get(batchId) ?? 0));
    const { cursor } = batch;
    const released = batch.uploadIds.filter((id) => cursor === null || id > cursor).slice(0, room);
    batch.cursor = released.at(-1) ?? cursor;
    return { ownerId: "user", uploadIds: released };
  }

  async holdWindow(): Promise<void> {}

  async advanceProgress(batchIds: readonly string[]): Promise<ProgressAdvance[]> {
    return batchIds.flatMap((id) => {
      const batch = this.get(id);
      if (!batch) return [];
      batch.version++;
      const total = batch.uploadIds.length;
      const snapshot = {
        id,
        userId: "user",
        status: batch.status,
        totalUploads: total,
        processedUploads: 0,
        successfulUploads: 0,
        failedUploads: 0,
        cancelledUploads: 0,
        version: batch.version,
        priority: "interactive" as const,
        maxInFlight: null,
        paused: false,
        activeMillis: null,
      };
      return [{ snapshot, pushedBefore: false, finalizedNow: false }];
    });
  }

  async uploadStates(): Promise<Map<string, UploadChange[]>> {
    if (this.down) throw new Error("database down");
    return new Map();
  }

  async recordFinalPushes(): Promise<void> {}

  async unfinishedBatchIds(after: string | null, limit: number): Promise<string[]> {
    return [...this.batches.keys()].filter((id) => (after === null || id > after) && ["pending", "processing"].includes(this.get(id)?.status ?? "")).sort().slice(0, limit);
  }

  private get(batchId: string) {
    if (this.down) throw new Error("database down");
    return this.batches.get(batchId);
  }
}

class InMemoryUploadRepository implements UploadRepository {
  private readonly batches = new Map<string, BatchStatus>();
  private readonly uploads = new Map<string, { batchId: string; status: UploadStatus }>();
  /** Uploads a concurrent delivery makes terminal while this one's claim waits. */
  readonly finishedElsewhere = new Set<string>();
  readonly paused = new Set<string>();
  /** What the next outcome commit releases. */
  releases: string[] = [];
  readonly held: string[] = [];
  claimDown = false;
  recordingDown = false;

  addBatch(batchId: string, status: BatchStatus): void {
    this.batches.set(batchId, status);
  }

  addUpload(uploadId: string, batchId: string, status: UploadStatus): void {
    this.uploads.set(uploadId, { batchId, status });
  }

  statusOf(uploadId: string): UploadStatus | undefined {
    return this.uploads.get(uploadId)?.status;
  }

  async claim(refs: readonly UploadRef[]): Promise<UploadClaim[]> {
    if (this.claimDown) throw new Error("database down");
    return refs.map((ref): UploadClaim => {
      const upload = this.uploads.get(ref.uploadId);
      if (!upload) return { ...ref, kind: "unknown-upload" };
      const batchStatus = this.batches.get(upload.batchId);
      if (batchStatus === undefined) return { ...ref, kind: "unknown-batch" };
      if (upload.batchId !== ref.batchId) return { ...ref, kind: "batch-mismatch", actualBatchId: upload.batchId };
      if (isTerminalUploadStatus(upload.status)) return { ...ref, kind: "terminal", status: upload.status };
      if (batchStatus !== "processing") return { ...ref, kind: "batch-not-processing", batchStatus };
      if (this.paused.has(upload.batchId)) return { ...ref, kind: "batch-paused" };
      if (this.finishedElsewhere.has(ref.uploadId)) {
        upload.status = "completed";
        return { ...ref, kind: "claimed-elsewhere" };
      }
      upload.status = "processing";
      const stored = { thumbnailPath: null, metadata: null, description: null, hasEmbedding: false };
      return { ...ref, kind: "claimed", upload: { id: ref.uploadId, batchId: ref.batchId, userId: "user", filename: "a.jpg", filePath: "a.jpg", fileType: null, fileSize: null, mimeType: null, attempts: 1, stored } };
    });
  }

  async hold(_batchId: string, uploadIds: readonly string[]): Promise<void> {
    this.held.push(...uploadIds);
  }

  async recordOutcomes(_batchId: string, outcomes: readonly UploadOutcome[]): Promise<RecordedOutcomes> {
    if (this.recordingDown) throw new Error("database down");
    let completed = 0;
    for (const outcome of outcomes) {
      const upload = this.uploads.get(outcome.uploadId);
      if (!upload || isTerminalUploadStatus(upload.status)) continue;
      upload.status = outcome.status;
      if (outcome.status === "completed") completed++;
    }
    const released = { ownerId: "user", uploadIds: this.releases };
    this.releases = [];
    return { counted: outcomes.length, completed, failed: outcomes.length - completed, released };
  }
}

class InMemoryConnectionRepository implements ConnectionRepository {
  private readonly connections = new Map<string, Connection & { connectedAt: Date }>();

  async add(connection: Connection, connectedAt = new Date()): Promise<void> {
    this.connections.set(connection.connectionId, { ...connection, connectedAt });
  }

  async forUsers(userIds: readonly string[]): Promise<Connection[]> {
    return [...this.connections.values()].filter((connection) => userIds.includes(connection.userId));
  }

  async remove(connectionId: string): Promise<void> {
    this.connections.delete(connectionId);
  }

  async admitFrame(): Promise<FrameAdmission> {
    throw new Error("no client frames in the queue use cases");
  }

  async removeExpired(): Promise<Connection[]> {
    return [];
  }

  async connectedBefore(cutoff: Date): Promise<Connection[]> {
    return [...this.connections.values()].filter((connection) => connection.connectedAt < cutoff);
  }

  async removeConnectedBefore(cutoff: Date): Promise<number> {
    const old = await this.connectedBefore(cutoff);
    for (const { connectionId } of old) this.connections.delete(connectionId);
    return old.length;
  }
}
