import { closeConnection } from "@pipeline/core";
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { webSocketDepsFromEnv, type WebSocketDeps } from "../composition/webSocket.js";
import { lambdaHandler } from "../lambdaHandler.js";

/** `$disconnect`: forgets the connection. Best effort on AWS's side too: the sweeper catches the rest. */
export function createDisconnectHandler(deps: WebSocketDeps) {
  return async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> => {
    await closeConnection(deps, event.requestContext.connectionId);
    return { statusCode: 200 };
  };
}

export const handler = lambdaHandler(() => createDisconnectHandler(webSocketDepsFromEnv()));
