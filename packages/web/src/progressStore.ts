import type { BatchCounters, BatchSnapshotFrame, BatchStatus, BatchView, ServerMessage, SnapshotUpload, UploadChange, UploadStage, UploadStatus } from "@pipeline/core";

export interface UploadState {
  uploadId: string;
  /** Pushes carry ids only: the name comes from the upload response or a snapshot. */
  filename: string | null;
  status: UploadStatus;
  /** The last processing stage the file finished. */
  stage: UploadStage | null;
  error: string | null;
  hasThumbnail: boolean;
}

export interface BatchState extends BatchCounters {
  createdAt: string;
  /** Upload objects are replaced, never mutated, so a renderer can skip the unchanged ones. */
  uploads: Map<string, UploadState>;
  /** Set when the server refuses the batch (gone, or not this user's). */
  problem: string | null;
}

export interface StoreListener {
  changed(batchId: string): void;
  /** The store needs (the next page of) a snapshot of this batch. */
  subscribe(batchId: string, after?: string): void;
  /** The batch reached its final state while this page watched it. */
  finished(batch: BatchState): void;
}

const TERMINAL_UPLOAD: ReadonlySet<UploadStatus> = new Set(["completed", "failed", "cancelled"]);
const TERMINAL_BATCH: ReadonlySet<BatchStatus> = new Set(["completed", "failed", "cancelled"]);
const STAGE_ORDER: readonly UploadStage[] = ["thumbnail", "description", "embedding"];

/** What a versioned frame says about the batch as a whole: its counters and its flow (paused, window, priority, time left). */
type Counters = Omit<BatchCounters, "batchId">;

/**
 * The dashboard's model of the user's batches, fed by server frames. It keeps the protocol's two
 * ordering rules: a frame older than the batch's last applied version is dropped (equal versions
 * are applied), and a file in a terminal state never goes back to a non-terminal one. The batch's
 * flow (paused, time left) travels with its counters, so it obeys the same version order.
 */
export class ProgressStore {
  private readonly batches = new Map<string, BatchState>();

  constructor(private readonly listener: StoreListener) {}

  get(batchId: string): BatchState | undefined {
    return this.batches.get(batchId);
  }

  /** Newest first. */
  list(): BatchState[] {
    return [...this.batches.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** A batch from `GET /api/batches`; its files arrive with the snapshot it asks for. */
  addListed(view: BatchView): void {
    const batch = this.ensure(view.batchId, view.createdAt);
    if (view.version >= batch.version) Object.assign(batch, counters(view));
    this.listener.changed(batch.batchId);
    this.listener.subscribe(batch.batchId);
  }

  /** A batch this page just created: its files are known by name before any frame arrives. */
  addCreated(batchId: string, uploads: ReadonlyArray<{ uploadId: string; filename: string }>, createdAt: string): void {
    const batch = this.ensure(batchId, createdAt);
    if (batch.version === 0) batch.total = uploads.length;
    for (const { uploadId, filename } of uploads) {
      const known = batch.uploads.get(uploadId);
      if (!known) batch.uploads.set(uploadId, blankUpload(uploadId, filename));
      else if (known.filename === null) batch.uploads.set(uploadId, { ...known, filename });
    }
    this.listener.changed(batchId);
    this.listener.subscribe(batchId);
  }

  apply(message: ServerMessage): void {
    switch (message.type) {
      case "batch.progress":
      case "batch.completed": {
        const batch = this.current(message.batchId, message.version);
        if (!batch) return;
        this.setCounters(batch, message);
        for (const change of message.changes) this.applyChange(batch, change);
        // A final snapshot brings what pushes leave out: thumbnails and names of every file.
        if (message.changesTruncated || message.type === "batch.completed") this.listener.subscribe(batch.batchId);
        this.listener.changed(batch.batchId);
        return;
      }
      case "upload.progress": {
        const batch = this.current(message.batchId, message.version);
        if (!batch) return;
        batch.version = message.version;
        for (const change of message.uploads) this.applyChange(batch, change);
        this.listener.changed(batch.batchId);
        return;
      }
      case "batch.snapshot":
        this.applySnapshot(message);
        return;
      case "error": {
        const batch = message.batchId ? this.batches.get(message.batchId) : undefined;
        if (!batch) return;
        batch.problem = message.code === "not_found" ? "This batch is no longer available." : message.message;
        this.listener.changed(batch.batchId);
        return;
      }
    }
  }

  private applySnapshot(snapshot: BatchSnapshotFrame): void {
    const batch = this.ensure(snapshot.batchId, new Date().toISOString());
    // A snapshot read before the last push still names files and states terminal outcomes, which
    // never change; only its counters and non-terminal states would be out of date.
    const fresh = snapshot.version >= batch.version;
    if (fresh) this.setCounters(batch, snapshot);
    for (const upload of snapshot.uploads) this.applySnapshotUpload(batch, upload, fresh);
    if (snapshot.nextCursor) this.listener.subscribe(batch.batchId, snapshot.nextCursor);
    this.listener.changed(batch.batchId);
  }

  private applySnapshotUpload(batch: BatchState, incoming: SnapshotUpload, fresh: boolean): void {
    const known = batch.uploads.get(incoming.uploadId) ?? blankUpload(incoming.uploadId, incoming.filename);
    const takeStatus = !TERMINAL_UPLOAD.has(known.status) && (fresh || TERMINAL_UPLOAD.has(incoming.status));
    const next: UploadState = {
      ...known,
      filename: known.filename ?? incoming.filename,
      hasThumbnail: known.hasThumbnail || incoming.hasThumbnail,
      ...(takeStatus ? { status: incoming.status, error: incoming.error } : {}),
    };
    if (!batch.uploads.has(incoming.uploadId) || !sameUpload(known, next)) batch.uploads.set(incoming.uploadId, next);
  }

  private applyChange(batch: BatchState, change: UploadChange): void {
    const known = batch.uploads.get(change.uploadId) ?? blankUpload(change.uploadId, null);
    if (TERMINAL_UPLOAD.has(known.status)) return;
    const stage = laterStage(known.stage, change.stage ?? null);
    batch.uploads.set(change.uploadId, {
      ...known,
      status: change.status,
      stage,
      error: change.error ?? null,
      // The thumbnail stage is the first: once any stage is done, a thumbnail may exist.
      hasThumbnail: known.hasThumbnail || stage !== null,
    });
  }

  private setCounters(batch: BatchState, next: Counters): void {
    const wasFinal = TERMINAL_BATCH.has(batch.status);
    Object.assign(batch, counters(next));
    batch.problem = null;
    if (!wasFinal && TERMINAL_BATCH.has(batch.status)) this.listener.finished(batch);
  }

  /** The batch a versioned frame applies to, or undefined when the frame is stale. */
  private current(batchId: string, version: number): BatchState | undefined {
    const known = this.batches.get(batchId);
    if (!known) {
      // Created elsewhere (another tab, a script) or before this page's upload request returned.
      this.listener.subscribe(batchId);
      return this.ensure(batchId, new Date().toISOString());
    }
    return version >= known.version ? known : undefined;
  }

  private ensure(batchId: string, createdAt: string): BatchState {
    let batch = this.batches.get(batchId);
    if (!batch) {
      batch = {
        batchId,
        createdAt,
        version: 0,
        status: "pending",
        total: 0,
        processed: 0,
        successful: 0,
        failed: 0,
        cancelled: 0,
        priority: "interactive",
        maxInFlight: null,
        paused: false,
        secondsLeft: null,
        uploads: new Map(),
        problem: null,
      };
      this.batches.set(batchId, batch);
    }
    return batch;
  }
}

function counters(source: Counters): Counters {
  const { version, status, total, processed, successful, failed, cancelled, priority, maxInFlight, paused, secondsLeft } = source;
  return { version, status, total, processed, successful, failed, cancelled, priority, maxInFlight, paused, secondsLeft };
}

function blankUpload(uploadId: string, filename: string | null): UploadState {
  return { uploadId, filename, status: "pending", stage: null, error: null, hasThumbnail: false };
}

function laterStage(a: UploadStage | null, b: UploadStage | null): UploadStage | null {
  if (a === null) return b;
  if (b === null) return a;
  return STAGE_ORDER.indexOf(b) > STAGE_ORDER.indexOf(a) ? b : a;
}

function sameUpload(a: UploadState, b: UploadState): boolean {
  return a.filename === b.filename && a.status === b.status && a.error === b.error && a.hasThumbnail === b.hasThumbnail && a.stage === b.stage;
}
