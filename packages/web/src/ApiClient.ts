import type { BatchPriority, BatchView } from "@pipeline/core";

export interface CreatedBatch {
  batchId: string;
  total: number;
  uploads: Array<{ uploadId: string; filename: string; size: number }>;
}

/** How a batch's uploads are released, as pause, resume and a flow change answer. */
export interface BatchFlowState {
  batchId: string;
  paused: boolean;
  priority: BatchPriority;
  maxInFlight: number | null;
  /** False when the batch already was as asked. */
  changed: boolean;
}

/** A change of a running batch's window (null: the stage's default) or priority. */
export interface FlowChangeRequest {
  maxInFlight?: number | null;
  priority?: BatchPriority;
}

/** A refusal of the upload service, with its machine-readable code (`unauthorized`, `file_too_large`, …). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The upload service's HTTP API, as the dashboard uses it. `baseUrl` "" means the page's own origin. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** The local stack's stand-in for an identity provider. */
  static async devToken(baseUrl: string, userId: string): Promise<{ userId: string; token: string }> {
    return request(`${baseUrl}/api/dev/token?userId=${encodeURIComponent(userId)}`, { method: "POST" });
  }

  createBatch(files: readonly File[], flow: FlowChangeRequest = {}): Promise<CreatedBatch> {
    const form = new FormData();
    // Before the files: a bad value is refused before any file is sent.
    if (flow.priority) form.append("priority", flow.priority);
    if (typeof flow.maxInFlight === "number") form.append("maxInFlight", String(flow.maxInFlight));
    for (const file of files) form.append("files", file, file.name);
    return request(`${this.baseUrl}/api/batches`, { method: "POST", body: form, headers: this.authorization() });
  }

  async listBatches(): Promise<BatchView[]> {
    const { batches } = await request<{ batches: BatchView[] }>(`${this.baseUrl}/api/batches`, { headers: this.authorization() });
    return batches;
  }

  /** No upload of the batch starts until it is resumed; those already processing finish. */
  pauseBatch(batchId: string): Promise<BatchFlowState> {
    return request(this.batchUrl(batchId, "/pause"), { method: "POST", headers: this.authorization() });
  }

  resumeBatch(batchId: string): Promise<BatchFlowState> {
    return request(this.batchUrl(batchId, "/resume"), { method: "POST", headers: this.authorization() });
  }

  /** Its unfinished uploads end cancelled; the batch ends cancelled. */
  cancelBatch(batchId: string): Promise<{ batchId: string; cancelledUploads: number }> {
    return request(this.batchUrl(batchId, "/cancel"), { method: "POST", headers: this.authorization() });
  }

  changeBatchFlow(batchId: string, change: FlowChangeRequest): Promise<BatchFlowState> {
    return request(this.batchUrl(batchId), { method: "PATCH", body: JSON.stringify(change), headers: { ...this.authorization(), "content-type": "application/json" } });
  }

  /** Images cannot send headers: the thumbnail route takes the token in the query. */
  thumbnailUrl(batchId: string, uploadId: string): string {
    return `${this.baseUrl}/api/batches/${batchId}/uploads/${uploadId}/thumbnail?token=${encodeURIComponent(this.token)}`;
  }

  private batchUrl(batchId: string, action = ""): string {
    return `${this.baseUrl}/api/batches/${encodeURIComponent(batchId)}${action}`;
  }

  private authorization(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }
}

async function request<T>(url: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new ApiError(0, "network", `the upload service cannot be reached (${error instanceof Error ? error.message : String(error)})`);
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
  if (!response.ok) throw new ApiError(response.status, body.error ?? "http_error", body.message ?? `the upload service answered ${response.status}`);
  return body as T;
}
