import { isTerminalUploadStatus, type FlowPolicy, type Release } from "@pipeline/core";
import type { InMemoryDatabase } from "./InMemoryDatabase.js";

/** The release statement's rule (`adapters/src/postgres/releaseWindow.ts`) on an `InMemoryDatabase`. */
export function releaseWindow(database: InMemoryDatabase, batchId: string, policy: FlowPolicy): Release {
  const batch = database.batch(batchId);
  if (!batch || batch.status !== "processing" || batch.pausedAt !== null) return { ownerId: batch?.userId ?? "", uploadIds: [] };
  const cap = batch.maxInFlight ?? policy.defaultMaxInFlight;
  const interactiveRunning = [...database.batches.values()].some((other) => other.status === "processing" && other.priority === "interactive" && other.pausedAt === null);
  const size = batch.priority === "bulk" && interactiveRunning ? Math.max(1, Math.floor(cap * policy.bulkShareWhileInteractive)) : cap;
  const unfinished = database.uploadsOf(batchId).filter((upload) => !isTerminalUploadStatus(upload.status));
  const cursor = batch.releaseCursor;
  const inFlight = unfinished.filter((upload) => cursor !== null && upload.id <= cursor && !upload.held).length;
  let room = Math.max(0, size - inFlight);
  const held = unfinished.filter((upload) => upload.held).slice(0, room);
  for (const upload of held) upload.held = false;
  room -= held.length;
  const fresh = unfinished.filter((upload) => cursor === null || upload.id > cursor).slice(0, room);
  const last = fresh.at(-1);
  if (last) batch.releaseCursor = last.id;
  return { ownerId: batch.userId, uploadIds: [...held, ...fresh].map((upload) => upload.id) };
}
