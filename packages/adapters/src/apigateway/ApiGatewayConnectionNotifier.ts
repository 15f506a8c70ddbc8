import {
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
}

/** Pushes to API Gateway WebSocket connections; 410 Gone means the client left. Throttling is retried. */
export class ApiGatewayConnectionNotifier implements ConnectionNotifier {
  private readonly maxRetries: number;
  private readonly retryBaseMillis: number;

  constructor(
    private readonly client: ApiGatewayManagementApiClient,
    options: NotifierOptions = {},
  ) {
    this.maxRetries = options.maxRetries ?? 4;
    this.retryBaseMillis = options.retryBaseMillis ?? 100;
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

  async push(connectionId: string, message: ServerMessage): Promise<PushResult> {
    const data = new TextEncoder().encode(JSON.stringify(message));
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
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
