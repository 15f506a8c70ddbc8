import type { ConnectionNotifier } from "../ports/ConnectionNotifier.js";
import type { ConnectionRepository, FrameAdmission, FrameBucket } from "../ports/ConnectionRepository.js";
import type { Logger } from "../ports/Logger.js";
import type { ErrorFrame } from "../progress/serverMessages.js";

export interface FrameDeps {
  connections: ConnectionRepository;
  notifier: ConnectionNotifier;
  logger: Logger;
}

type Refusal = Exclude<FrameAdmission, { kind: "admitted" }>["kind"];

function refusalFrame(kind: Refusal, bucket: FrameBucket): ErrorFrame {
  switch (kind) {
    case "unknown":
      return { type: "error", code: "unknown_connection", message: "this connection is not registered; reconnect" };
    case "token_expired":
      return { type: "error", code: "token_expired", message: "the token this connection was opened with has expired; reconnect with a fresh one" };
    case "rate_limited":
      return { type: "error", code: "rate_limited", message: `too many frames: at most ${bucket.burst} at once and ${bucket.refillPerSecond} a second; reconnect` };
  }
}

/**
 * The gate of every client frame, before it is read: the connection must be known, its token
 * unexpired and its frame bucket not empty. Returns the connection's user, or undefined when the
 * frame was refused: answered with an error frame and, for an expired token or a client over its
 * rate, the socket closed (it reconnects with a fresh token and a full bucket).
 */
export async function admitClientFrame(deps: FrameDeps, connectionId: string, bucket: FrameBucket): Promise<string | undefined> {
  const admission = await deps.connections.admitFrame(connectionId, bucket);
  if (admission.kind === "admitted") return admission.userId;
  const frame = refusalFrame(admission.kind, bucket);
  deps.logger.warn("client frame refused", { connectionId, code: frame.code });
  await deps.notifier.push(connectionId, frame);
  if (admission.kind !== "unknown") await deps.notifier.close(connectionId);
  return undefined;
}
