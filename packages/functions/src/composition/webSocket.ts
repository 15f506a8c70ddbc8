import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { ApiGatewayConnectionNotifier } from "@pipeline/adapters/apigateway";
import { JwtTokenVerifier } from "@pipeline/adapters/auth";
import { PostgresBatchReader, PostgresConnectionRepository } from "@pipeline/adapters/postgres";
import { createLogger, type HandlerLogger } from "@pipeline/adapters/powertools";
import type { BatchReader, ConnectionDeps, ConnectionNotifier } from "@pipeline/core";
import { readWebSocketConfig, type WebSocketConfig } from "../config.js";
import { databaseFromConfig, type DatabaseInfrastructure } from "./infrastructure.js";

export interface WebSocketDeps extends ConnectionDeps {
  logger: HandlerLogger;
  notifier: ConnectionNotifier;
  reader: BatchReader;
}

export function buildWebSocketDeps(
  config: WebSocketConfig,
  infra: DatabaseInfrastructure & { apiGateway?: ApiGatewayManagementApiClient },
  overrides: Partial<WebSocketDeps> = {},
): WebSocketDeps {
  const apiGateway = infra.apiGateway ?? new ApiGatewayManagementApiClient({ endpoint: config.WS_MANAGEMENT_ENDPOINT, region: config.AWS_REGION });
  return {
    connections: new PostgresConnectionRepository(infra.sql),
    tokens: new JwtTokenVerifier(config.AUTH_SECRET),
    notifier: new ApiGatewayConnectionNotifier(apiGateway),
    reader: new PostgresBatchReader(infra.sql),
    logger: infra.logger ?? createLogger("websocket"),
    ...overrides,
  };
}

export function webSocketDepsFromEnv(): WebSocketDeps {
  const config = readWebSocketConfig();
  return buildWebSocketDeps(config, databaseFromConfig(config));
}
