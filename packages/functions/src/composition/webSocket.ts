import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { ApiGatewayConnectionNotifier } from "@pipeline/adapters/apigateway";
import { JwksTokenVerifier, JwtTokenVerifier } from "@pipeline/adapters/auth";
import { PostgresBatchReader, PostgresConnectionRepository } from "@pipeline/adapters/postgres";
import { createLogger, type HandlerLogger } from "@pipeline/adapters/powertools";
import type { BatchReader, ConnectionDeps, ConnectionNotifier, FrameBucket, TokenVerifier } from "@pipeline/core";
import { wiring as deployedWiring } from "@pipeline/wiring";
import { readWebSocketConfig, type WebSocketConfig } from "../config.js";
import { databaseFromConfig, type BuildOptions, type DatabaseInfrastructure } from "./infrastructure.js";

export interface WebSocketDeps extends ConnectionDeps {
  logger: HandlerLogger;
  notifier: ConnectionNotifier;
  reader: BatchReader;
  /** Each connection's allowance of client frames. */
  frameBucket: FrameBucket;
}

/** The verifier AUTH_MODE names; the reader has checked that jwks mode has its three settings. */
export function tokenVerifierFor(config: WebSocketConfig): TokenVerifier {
  if (config.AUTH_MODE === "hs256") return new JwtTokenVerifier(config.AUTH_SECRET);
  const { AUTH_JWKS_URL: jwksUrl, AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience } = config;
  if (!jwksUrl || !issuer || !audience) throw new Error("AUTH_MODE=jwks needs AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE");
  return new JwksTokenVerifier({ jwksUrl: new URL(jwksUrl), issuer, audience });
}

export function buildWebSocketDeps(
  config: WebSocketConfig,
  infra: DatabaseInfrastructure & { apiGateway?: ApiGatewayManagementApiClient },
  options: BuildOptions<WebSocketDeps> = {},
): WebSocketDeps {
  const { wiring = deployedWiring, ...overrides } = options;
  const apiGateway = infra.apiGateway ?? new ApiGatewayManagementApiClient({ endpoint: config.WS_MANAGEMENT_ENDPOINT, region: config.AWS_REGION });
  return {
    connections: new PostgresConnectionRepository(infra.sql),
    tokens: tokenVerifierFor(config),
    notifier: new ApiGatewayConnectionNotifier(apiGateway),
    reader: new PostgresBatchReader(infra.sql),
    logger: infra.logger ?? createLogger("websocket"),
    frameBucket: wiring.webSocket.clientFrames,
    ...overrides,
  };
}

export function webSocketDepsFromEnv(): WebSocketDeps {
  const config = readWebSocketConfig();
  return buildWebSocketDeps(config, databaseFromConfig(config));
}
