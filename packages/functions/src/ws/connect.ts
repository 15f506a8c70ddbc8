import { InvalidTokenError, openConnection } from "@pipeline/core";
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { webSocketDepsFromEnv, type WebSocketDeps } from "../composition/webSocket.js";
import { lambdaHandler } from "../lambdaHandler.js";

/** `$connect`: a client with a valid token is recorded; any other is refused (no connection kept). */
export function createConnectHandler(deps: WebSocketDeps) {
  return async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> => {
    const { connectionId } = event.requestContext;
    try {
      await openConnection(deps, connectionId, event.queryStringParameters?.token);
      return { statusCode: 200 };
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      deps.logger.warn("connection refused", { connectionId, reason: error.reason });
      return { statusCode: 401, body: error.message };
    }
  };
}

export const handler = lambdaHandler(() => createConnectHandler(webSocketDepsFromEnv()));
