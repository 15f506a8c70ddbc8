import WebSocket from "ws";

export interface SubmittedBatch {
  batchId: string;
  total: number;
  uploads: Array<{ uploadId: string; filename: string; size: number }>;
}

export interface PushMessage {
  type: string;
  batchId?: string;
  version?: number;
  status?: string;
  total?: number;
  processed?: number;
  successful?: number;
  failed?: number;
  cancelled?: number;
  [key: string]: unknown;
}

export interface FileToSubmit {
  filename: string;
  type: string;
  data: Buffer;
}

/** A client of the upload service and the WebSocket API, as a script or a test uses them. */
export class PipelineClient {
  constructor(
    private readonly httpUrl: string,
    private readonly wsUrl: string,
    readonly token: string,
  ) {}

  static async forDemoUser(httpUrl: string, wsUrl: string, userId = "demo-user"): Promise<PipelineClient> {
    const response = await fetch(`${httpUrl}/api/dev/token?userId=${encodeURIComponent(userId)}`, { method: "POST" });
    if (!response.ok) throw new Error(`could not get a token: ${response.status} ${await response.text()}`);
    const { token } = (await response.json()) as { token: string };
    return new PipelineClient(httpUrl, wsUrl, token);
  }

  async submit(files: readonly FileToSubmit[]): Promise<SubmittedBatch> {
    const form = new FormData();
    for (const file of files) form.append("files", new Blob([file.data], { type: file.type }), file.filename);
    const response = await fetch(`${this.httpUrl}/api/batches`, { method: "POST", body: form, headers: { authorization: `Bearer ${this.token}` } });
    if (response.status !== 201) throw new Error(`upload refused: ${response.status} ${await response.text()}`);
    return (await response.json()) as SubmittedBatch;
  }

  async batch(batchId: string): Promise<{ batch: PushMessage & { total: number; processed: number; status: string } }> {
    const response = await fetch(`${this.httpUrl}/api/batches/${batchId}`, { headers: { authorization: `Bearer ${this.token}` } });
    if (!response.ok) throw new Error(`batch ${batchId}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { batch: PushMessage & { total: number; processed: number; status: string } };
  }

  /** Opens a WebSocket; resolves once the gateway accepted it. */
  connect(onMessage: (message: PushMessage) => void): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${this.wsUrl}?token=${encodeURIComponent(this.token)}`);
      socket.on("message", (data) => onMessage(JSON.parse(data.toString()) as PushMessage));
      socket.once("open", () => resolve(socket));
      socket.once("unexpected-response", (_request, response) => reject(new Error(`WebSocket refused: ${response.statusCode}`)));
      socket.once("error", reject);
    });
  }
}
