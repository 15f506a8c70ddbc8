import { admitClientFrame, subscribeToBatch, type ErrorFrame, type ServerMessage } from "@pipeline/core";
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { z } from "zod";
import { webSocketDepsFromEnv, type WebSocketDeps } from "../composition/webSocket.js";
import { lambdaHandler } from "../lambdaHandler.js";

/** Client frames are small commands; API Gateway's own frame limit is 32 KB. */
export const MAX_CLIENT_FRAME_BYTES = 32 * 1024;

const subscribeSchema = z.object({
  action: z.literal("subscribe"),
  batchId: z.uuid(),
  after: z.uuid().optional(),
});

/**
 * `$default` and the client routes. Every frame first passes its connection's gate (known, token
 * unexpired, within its rate: one statement, which also reads the user); then `subscribe` answers
 * with a snapshot of the client's own batch, and every frame the handler cannot act on gets an
 * error frame, never a crash.
 */
export function createMessageHandler(deps: WebSocketDeps) {
  return async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> => {
    const { connectionId } = event.requestContext;
    const reply = async (frame: ServerMessage) => {
      await deps.notifier.push(connectionId, frame);
      return { statusCode: 200 };
    };
    const refuse = (code: string, message: string, extra: Partial<ErrorFrame> = {}) => {
      deps.logger.warn("client frame refused", { connectionId, code, ...(extra.batchId ? { batchId: extra.batchId } : {}) });
      return reply({ type: "error", code, message, ...extra });
    };

    const userId = await admitClientFrame(deps, connectionId, deps.frameBucket);
    if (userId === undefined) return { statusCode: 200 };

    const body = event.body ?? "";
    const bytes = Buffer.byteLength(body, "utf8");
    if (bytes > MAX_CLIENT_FRAME_BYTES) return refuse("frame_too_large", `frames are limited to ${MAX_CLIENT_FRAME_BYTES} bytes, this one has ${bytes}`);
    let frame: unknown;
    try {
      frame = JSON.parse(body);
    } catch {
      return refuse("bad_request", "frames must be JSON objects");
    }
    const action = typeof frame === "object" && frame !== null ? (frame as { action?: unknown }).action : undefined;
    if (action !== "subscribe") return refuse("unknown_action", `unknown action; supported: subscribe`);
    const parsed = subscribeSchema.safeParse(frame);
    if (!parsed.success) return refuse("bad_request", `subscribe needs a batchId (UUID) and an optional after cursor (UUID)`);

    const answer = await subscribeToBatch(deps.reader, userId, parsed.data.batchId, parsed.data.after ?? null);
    if (answer.type === "error") return refuse(answer.code, answer.message, { batchId: parsed.data.batchId });
    return reply(answer);
  };
}

export const handler = lambdaHandler(() => createMessageHandler(webSocketDepsFromEnv()));
