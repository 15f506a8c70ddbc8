import { parseArgs } from "node:util";
import { errorMessage } from "@pipeline/core";
import { SingleBar, Presets } from "cli-progress";
import { PipelineClient, type PushMessage } from "../client/PipelineClient.js";
import { StackFileError, StackNotFoundError } from "@pipeline/wiring/stackFile";
import { readStackFile } from "../stack/readStackFile.js";
import { generateImages } from "./generateImages.js";

const { values } = parseArgs({
  options: {
    uploads: { type: "string", default: "50" },
    broken: { type: "string", default: "0" },
    user: { type: "string", default: "demo-user" },
    timeout: { type: "string", default: "300" },
  },
});
const count = Number(values.uploads);
const broken = Number(values.broken);
if (!Number.isInteger(count) || count < 1 || count > 1000 || !Number.isInteger(broken) || broken < 0) {
  console.error("usage: npm run demo -- --uploads N (1..1000) [--broken M] [--user ID] [--timeout SECONDS]");
  process.exit(2);
}

try {
  const stack = readStackFile();
  const client = await PipelineClient.forDemoUser(stack.httpUrl, stack.wsUrl, values.user);
  console.log(`node ${process.version}: generating ${count} images${broken ? ` and ${broken} broken files` : ""}…`);
  const files = await generateImages(count, broken);

  const submitted: { batchId?: string } = {};
  let latest: PushMessage | undefined;
  let finished: (message: PushMessage) => void = () => {};
  const done = new Promise<PushMessage>((resolve) => (finished = resolve));
  const bar = new SingleBar({ format: " {bar} {percentage}% | {value}/{total} uploads | {successful} ok, {failed} failed | {status}", hideCursor: true }, Presets.shades_classic);
  const show = (message: PushMessage) => {
    if (message.batchId !== submitted.batchId || (latest?.version ?? -1) >= (message.version ?? 0)) return;
    latest = message;
    bar.setTotal(message.total ?? files.length);
    bar.update(message.processed ?? 0, { successful: message.successful ?? 0, failed: message.failed ?? 0, status: message.status ?? "" });
    if (message.type === "batch.completed") finished(message);
  };
  const pending: PushMessage[] = [];
  const socket = await client.connect((message) => (submitted.batchId ? show(message) : pending.push(message)));

  const started = Date.now();
  const batch = await client.submit(files);
  submitted.batchId = batch.batchId;
  console.log(`batch ${batch.batchId}: ${batch.total} uploads submitted`);
  bar.start(batch.total, 0, { successful: 0, failed: 0, status: "pending" });
  pending.forEach(show);

  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no completion within ${values.timeout} s`)), Number(values.timeout) * 1000).unref());
  const final = await Promise.race([done, timeout]);
  bar.stop();
  socket.close();
  const seconds = (Date.now() - started) / 1000;
  console.log(`
batch ${batch.batchId} ${final.status}
  succeeded  ${final.successful}
  failed     ${final.failed}
  total      ${final.total}
  time       ${seconds.toFixed(1)} s (${((final.total ?? 0) / seconds).toFixed(1)} uploads/s)
`);
  process.exit(0);
} catch (error) {
  if (error instanceof StackNotFoundError || error instanceof StackFileError) console.error(error.message);
  else console.error(`demo failed: ${errorMessage(error)}`);
  process.exit(1);
}
