import { wiring, type WebSocketRoute } from "@pipeline/wiring";
import { lambdaSettings } from "./lambda";
import { environment, type DeployedResources } from "./environment";

/** The API the browsers connect to; its routes are added once the functions' settings exist. */
export function webSocketApi() {
  return new sst.aws.ApiGatewayWebSocket("Realtime");
}

/** Routes that only record or forget a connection never call the management API. */
const SILENT_ROUTES: ReadonlySet<WebSocketRoute> = new Set(["$connect", "$disconnect"]);

/**
 * The routes of the wiring. Routes that share a handler share one function, so `$default` and
 * `subscribe` warm the same containers.
 */
export function webSocketRoutes(resources: DeployedResources) {
  const { webSocket } = resources;
  const routesByHandler = new Map<string, WebSocketRoute[]>();
  for (const [route, handler] of Object.entries(wiring.webSocket.routes) as Array<[WebSocketRoute, string]>) {
    routesByHandler.set(handler, [...(routesByHandler.get(handler) ?? []), route]);
  }

  for (const [handler, routes] of routesByHandler) {
    const replies = routes.some((route) => !SILENT_ROUTES.has(route));
    const fn = new sst.aws.Function(`WebSocket${handlerName(handler)}`, {
      handler,
      description: `WebSocket ${routes.join(", ")}`,
      ...lambdaSettings(wiring.webSocket),
      environment: environment("webSocket", resources),
      // Replies go back through PostToConnection: execute-api:ManageConnections.
      link: replies ? [webSocket] : [],
    });
    for (const route of routes) webSocket.route(route, fn.arn);
  }
}

/** `packages/functions/src/ws/connect.handler` -> `Connect`. */
function handlerName(handler: string): string {
  const file = handler.split("/").pop()?.split(".")[0] ?? handler;
  return file.charAt(0).toUpperCase() + file.slice(1);
}
