import { webSocketFunctions, wiring, type WebSocketRoute } from "@pipeline/wiring";
import { lambdaSettings } from "./lambda";
import { environment, secretLinks, type DeployedResources } from "./environment";

/**
 * The API the browsers connect to; its routes are added once the functions' settings exist. Its
 * stage throttles every route (connects and frames) to the wiring's rate: route-level settings
 * (`routeSettings`) would name routes that do not exist yet when the stage is created, which API
 * Gateway refuses, so the one default applies to each route. Per connection, the frame bucket in
 * the connection's row limits each client (see the message handler).
 */
export function webSocketApi() {
  const { rateLimitPerSecond, burstLimit } = wiring.webSocket.stageThrottling;
  return new sst.aws.ApiGatewayWebSocket("Realtime", {
    transform: {
      stage: (args) => {
        args.defaultRouteSettings = { throttlingRateLimit: rateLimitPerSecond, throttlingBurstLimit: burstLimit };
      },
    },
  });
}

/** Routes that only record or forget a connection never call the management API. */
const SILENT_ROUTES: ReadonlySet<WebSocketRoute> = new Set(["$connect", "$disconnect"]);

/** The routes of the wiring, one function per handler (the wiring groups them). */
export function webSocketRoutes(resources: DeployedResources) {
  const { webSocket } = resources;
  for (const fn of webSocketFunctions(wiring)) {
    if (fn.trigger.kind !== "webSocket") continue;
    const { routes } = fn.trigger;
    const replies = routes.some((route) => !SILENT_ROUTES.has(route));
    const deployed = new sst.aws.Function(fn.name, {
      handler: fn.handler,
      description: `WebSocket ${routes.join(", ")}`,
      ...lambdaSettings(wiring.webSocket),
      environment: environment("webSocket", resources),
      // Replies go back through PostToConnection: execute-api:ManageConnections.
      link: [...secretLinks("webSocket", resources), ...(replies ? [webSocket] : [])],
    });
    for (const route of routes) webSocket.route(route, deployed.arn);
  }
}
