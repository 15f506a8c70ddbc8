import { isTerminalUploadStatus, type FlowPolicy, type Release } from "@pipeline/core";
import type { InMemoryDatabase, UploadRecord } from "./InMemoryDatabase.js";

/**
 * The release statement's rule (`adapters/src/postgres/releaseWindow.ts`) on an `InMemoryDatabase`.
 * `reclaimLost`: the fan-out's release finds released uploads a lease old and releases them again;
 * an outcome commit's refill counts them as in flight.
 */
export function releaseWindow(database: InMemoryDatabase, batchId: string, policy: FlowPolicy, options: { reclaimLost: boolean }): Release {
  const batch = database.batch(batchId);
  if (!batch || batch.status !== "processing" || batch.pausedAt !== null) return { ownerId: batch?.userId ?? "", uploadIds: [] };
  const cap = batch.maxInFlight ?? policy.defaultMaxInFlight;
  const interactiveRunning = [...database.batches.values()].some((other) => other.status === "processing" && other.priority === "interactive" && other.pausedAt === null);
  const size = batch.priority === "bulk" && interactiveRunning ? Math.max(1, Math.floor(cap * policy.bulkShareWhileInteractive)) : cap;
  const now = database.now();
  const unfinished = database.uploadsOf(batchId).filter((upload) => !isTerminalUploadStatus(upload.status));
  const cursor = batch.releaseCursor;
  const released = (upload: UploadRecord) => cursor !== null && upload.id <= cursor;
  // Released, never started, a lease ago: its message was lost.
  const lost = (upload: UploadRecord) =>
    options.reclaimLost && released(upload) && !upload.held && upload.status === "pending" && upload.updatedAt.getTime() < now.getTime() - policy.releaseLeaseSeconds * 1000;
  const inFlight = unfinished.filter((upload) => released(upload) && !upload.held && !lost(upload)).length;
  let room = Math.max(0, size - inFlight);
  const again = unfinished.filter((upload) => upload.held || lost(upload)).slice(0, room);
  room -= again.length;
  const fresh = unfinished.filter((upload) => !released(upload)).slice(0, room);
  for (const upload of [...again, ...fresh]) Object.assign(upload, { held: false, updatedAt: now });
  const last = fresh.at(-1);
  if (last) batch.releaseCursor = last.id;
  const held = again;
  return { ownerId: batch.userId, uploadIds: [...held, ...fresh].map((upload) => upload.id) };
}
