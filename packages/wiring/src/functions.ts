import type { EnvironmentName } from "./environment.js";
import type { FunctionName, WebSocketRoute, Wiring } from "./types.js";

/** A function the stacks deploy, with what both the stacks and the local runtime need to run it. */
export interface DeployedFunction {
  /** Its name in the stack (SST component names) and in the local runtime's logs. */
  name: string;
  /** `file.export` relative to the repository root, as SST expects. */
  handler: string;
  /** The environment contract its configuration reader parses. */
  environment: EnvironmentName;
  timeoutSeconds: number;
  memoryMb: number;
  /** Packages installed next to the bundle instead of bundled. */
  install: readonly string[];
  /** Its local containers yield the cores to the other functions' (see QueueFunctionWiring). */
  localBackground: boolean;
  /** What invokes it. */
  trigger: { kind: "queue"; function: FunctionName } | { kind: "webSocket"; routes: WebSocketRoute[] } | { kind: "schedule"; intervalMinutes: number };
}

/**
 * The WebSocket API's functions: routes that share a handler share one function, so `$default`
 * and `subscribe` warm the same containers.
 */
export function webSocketFunctions(wiring: Wiring): DeployedFunction[] {
  const routesByHandler = new Map<string, WebSocketRoute[]>();
  for (const [route, handler] of Object.entries(wiring.webSocket.routes) as Array<[WebSocketRoute, string]>) {
    routesByHandler.set(handler, [...(routesByHandler.get(handler) ?? []), route]);
  }
  return [...routesByHandler].map(([handler, routes]) => ({
    name: `WebSocket${handlerName(handler)}`,
    handler,
    environment: "webSocket",
    timeoutSeconds: wiring.webSocket.timeoutSeconds,
    memoryMb: wiring.webSocket.memoryMb,
    install: [],
    localBackground: false,
    trigger: { kind: "webSocket", routes },
  }));
}

/** Every function of the app: the queue subscribers, the WebSocket routes' functions and the reconciler. */
export function deployedFunctions(wiring: Wiring): DeployedFunction[] {
  const queueFunctions = (Object.keys(wiring.functions) as FunctionName[]).map((name): DeployedFunction => {
    const settings = wiring.functions[name];
    return { name, handler: settings.handler, environment: name, timeoutSeconds: settings.timeoutSeconds, memoryMb: settings.memoryMb, install: settings.install ?? [], localBackground: settings.localBackground === true, trigger: { kind: "queue", function: name } };
  });
  const { reconciler } = wiring;
  return [
    ...queueFunctions,
    ...webSocketFunctions(wiring),
    {
      name: "reconciler",
      handler: reconciler.handler,
      environment: "reconciler",
      timeoutSeconds: reconciler.timeoutSeconds,
      memoryMb: reconciler.memoryMb,
      install: [],
      localBackground: false,
      trigger: { kind: "schedule", intervalMinutes: reconciler.intervalMinutes },
    },
  ];
}

/** `packages/functions/src/ws/connect.handler` -> `Connect`. */
function handlerName(handler: string): string {
  const file = handler.split("/").pop()?.split(".")[0] ?? handler;
  return file.charAt(0).toUpperCase() + file.slice(1);
}
