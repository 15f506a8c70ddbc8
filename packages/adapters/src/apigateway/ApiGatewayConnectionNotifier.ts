import {
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  LimitExceededException,
  PostToConnectionCommand,
  type ApiGatewayManagementApiClient,
} from "@aws-sdk/client-apigatewaymanagementapi";
import type { ConnectionNotifier, PushResult, ServerMessage } from "@pipeline/core";

export interface NotifierOptions {
  maxRetries?: number;
  retryBaseMillis?: number;
  /** How long one PostToConnection may take (default 3 s; they take tens of milliseconds). */
  attemptTimeoutMillis?: number;
}

/**
 * Pushes to API Gateway WebSocket connections; 410 Gone means the client left. Throttling is
 * retried. An attempt that hangs is abandoned after its timeout: the finalizer pushes while it
 * holds its batches' push locks, so one stuck request would hold up every later push of them.
 */
export class ApiGatewayConnectionNotifier implements ConnectionNotifier {
  private readonly maxRetries: number;
  private readonly retryBaseMillis: number;
  private readonly attemptTimeoutMillis: number;

  constructor(
    private readonly client: ApiGatewayManagementApiClient,
    options: NotifierOptions = {},
  ) {
    this.maxRetries = options.maxRetries ?? 4;
    this.retryBaseMillis = options.retryBaseMillis ?? 100;
    this.attemptTimeoutMillis = options.attemptTimeoutMillis ?? 3000;
  }

  async exists(connectionId: string): Promise<boolean> {
    try {
      await this.client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
      return true;
    } catch (error) {
      if (error instanceof GoneException || httpStatus(error) === 410) return false;
      throw error;
    }
  }

  async close(connectionId: string): Promise<void> {
    try {
      await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }), { abortSignal: AbortSignal.timeout(this.attemptTimeoutMillis) });
    } catch (error) {
      if (error instanceof GoneException || httpStatus(error) === 410) return;
      throw error;
    }
  }

  async push(connectionId: string, message: ServerMessage): Promise<PushResult> {
    const data = new TextEncoder().encode(JSON.stringify(message));
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }), { abortSignal: AbortSignal.timeout(this.attemptTimeoutMillis) });
        return "sent";
      } catch (error) {
        if (error instanceof GoneException || httpStatus(error) === 410) return "gone";
        if (!isThrottling(error) || attempt >= this.maxRetries) throw error;
        const delay = this.retryBaseMillis * 2 ** attempt * (0.5 + Math.random() / 2);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isThrottling(error: unknown): boolean {
  return error instanceof LimitExceededException || httpStatus(error) === 429 || (error as { name?: string })?.name === "TooManyRequestsException";
}
