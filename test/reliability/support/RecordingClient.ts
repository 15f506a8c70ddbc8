import { PipelineClient, type PushMessage } from "@pipeline/local";
import type WebSocket from "ws";

export interface ReceivedFrame {
  at: number;
  frame: PushMessage;
}

/** A user's real WebSocket client that keeps every frame it receives, with when it came. */
export class RecordingClient {
  readonly frames: ReceivedFrame[] = [];
  private socket: WebSocket | undefined;

  private constructor(
    readonly userId: string,
    readonly api: PipelineClient,
  ) {}

  static async connect(httpUrl: string, wsUrl: string, userId: string): Promise<RecordingClient> {
    const api = await PipelineClient.forDemoUser(httpUrl, wsUrl, userId);
    const client = new RecordingClient(userId, api);
    client.socket = await api.connect((frame) => client.frames.push({ at: Date.now(), frame }));
    return client;
  }

  /** When this client received `batch.completed` for the batch first, if it did. */
  completedAt(batchId: string): number | undefined {
    return this.frames.find(({ frame }) => frame.type === "batch.completed" && frame.batchId === batchId)?.at;
  }

  close(): void {
    this.socket?.close();
  }
}
