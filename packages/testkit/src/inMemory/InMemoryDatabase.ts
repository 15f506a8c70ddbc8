import { randomUUID } from "node:crypto";
import type { BatchPriority, BatchStatus, Counters, UploadStatus, UploadToProcess } from "@pipeline/core";

/** A row of `upload_batches`. */
export interface BatchRecord extends Counters {
  id: string;
  userId: string;
  status: BatchStatus;
  version: number;
  /** The version whose push the finalizer made (`pushed_version`): an unfinished batch's at once, a final state's once sent. */
  pushedVersion: number;
  maxFailurePercent: number | null;
  priority: BatchPriority;
  maxInFlight: number | null;
  /** The last upload released (`release_cursor`); null: none yet. */
  releaseCursor: string | null;
  pausedAt: Date | null;
  pausedMillis: number;
  errorMessage: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  updatedAt: Date;
}

/** A row of `uploads`. */
export interface UploadRecord extends Omit<UploadToProcess, "stored"> {
  status: UploadStatus;
  error: string | null;
  /** Why an upload ended cancelled: an operator's cancel, or the batch's failure tolerance (retry brings the latter back). */
  cancelReason: "operator" | "owner" | "failure-tolerance" | null;
  /** Released, but its message was consumed without starting it (or never sent): released again first. */
  held: boolean;
  attempts: number;
  thumbnailPath: string | null;
  metadata: Record<string, unknown>;
  description: string | null;
  embedding: number[] | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ConnectionRecord {
  connectionId: string;
  userId: string;
  connectedAt: Date;
  tokenExpiresAt: Date;
  /** The frame bucket: tokens left when last taken from, and when; undefined: full. */
  frameTokens?: { tokens: number; at: Date };
}

export interface InMemoryBatchSeed {
  userId: string;
  uploads: number;
  /** What the upload service declared; defaults to the real number. */
  declaredTotal?: number;
  maxFailurePercent?: number | null;
  priority?: BatchPriority;
  maxInFlight?: number | null;
}

/**
 * The two tables of the pipeline (and the connections table) in memory, shared by the
 * `InMemory…` repositories as Postgres is shared by theirs. Time comes from `now`, so tests of
 * staleness move a clock instead of waiting.
 */
export class InMemoryDatabase {
  readonly batches = new Map<string, BatchRecord>();
  readonly uploads = new Map<string, UploadRecord>();
  readonly connections = new Map<string, ConnectionRecord>();

  constructor(readonly now: () => Date = () => new Date()) {}

  /** Writes a batch and its uploads as the upload service does (`seedBatch` on Postgres). */
  seedBatch(seed: InMemoryBatchSeed): { batchId: string; uploadIds: string[] } {
    const now = this.now();
    const batchId = randomUUID();
    this.batches.set(batchId, {
      id: batchId,
      userId: seed.userId,
      status: "pending",
      total: seed.declaredTotal ?? seed.uploads,
      processed: 0,
      successful: 0,
      failed: 0,
      cancelled: 0,
      version: 0,
      pushedVersion: 0,
      maxFailurePercent: seed.maxFailurePercent ?? null,
      priority: seed.priority ?? "interactive",
      maxInFlight: seed.maxInFlight ?? null,
      releaseCursor: null,
      pausedAt: null,
      pausedMillis: 0,
      errorMessage: null,
      createdAt: now,
      startedAt: null,
      completedAt: null,
      updatedAt: now,
    });
    const uploadIds: string[] = [];
    for (let n = 1; n <= seed.uploads; n++) {
      const id = randomUUID();
      uploadIds.push(id);
      this.uploads.set(id, {
        id,
        batchId,
        userId: seed.userId,
        filename: `photo-${n}.jpg`,
        filePath: `uploads/${batchId}/${n}.jpg`,
        fileType: "image",
        fileSize: 1000 + n,
        mimeType: "image/jpeg",
        status: "pending",
        error: null,
        cancelReason: null,
        held: false,
        attempts: 0,
        thumbnailPath: null,
        metadata: {},
        description: null,
        embedding: null,
        createdAt: now,
        updatedAt: now,
      });
    }
    return { batchId, uploadIds: uploadIds.sort() };
  }

  batch(batchId: string): BatchRecord | undefined {
    return this.batches.get(batchId);
  }

  /** The batch's uploads in key order, as the `(batch_id, id)` index yields them. */
  uploadsOf(batchId: string): UploadRecord[] {
    return [...this.uploads.values()].filter((upload) => upload.batchId === batchId).sort(byId);
  }
}

export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
