import type { BatchView } from "@pipeline/core";

export interface CreatedBatch {
  batchId: string;
  total: number;
  uploads: Array<{ uploadId: string; filename: string; size: number }>;
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

  createBatch(files: readonly File[]): Promise<CreatedBatch> {
    const form = new FormData();
    for (const file of files) form.append("files", file, file.name);
    return request(`${this.baseUrl}/api/batches`, { method: "POST", body: form, headers: this.authorization() });
  }

  async listBatches(): Promise<BatchView[]> {
    const { batches } = await request<{ batches: BatchView[] }>(`${this.baseUrl}/api/batches`, { headers: this.authorization() });
    return batches;
  }

  /** Images cannot send headers: the thumbnail route takes the token in the query. */
  thumbnailUrl(batchId: string, uploadId: string): string {
    return `${this.baseUrl}/api/batches/${batchId}/uploads/${uploadId}/thumbnail?token=${encodeURIComponent(this.token)}`;
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
