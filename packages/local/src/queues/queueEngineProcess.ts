/**
 * The SQS and S3 engine's own process: fauxqs with its state on disk, started by
 * startQueueEngine and told where it listens over the IPC channel. It stops when asked (SIGTERM) or
 * when its parent is gone (the channel closes), so no engine outlives its stack.
 */
import { startFauxqs } from "fauxqs";

export interface QueueEngineProcessOptions {
  port: number;
  dataDir: string;
  s3StorageDir: string;
}

const options = JSON.parse(process.argv[2] ?? "{}") as QueueEngineProcessOptions;
const engine = await startFauxqs({ port: options.port, logger: false, dataDir: options.dataDir, s3StorageDir: options.s3StorageDir });
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await engine.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("disconnect", () => void stop());
process.send?.({ port: engine.port });
