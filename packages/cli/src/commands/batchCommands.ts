import { PostgresBatchControls, PostgresBatchReader } from "@pipeline/adapters/postgres";
import { SqsDeadLetters, SqsJsonQueue } from "@pipeline/adapters/sqs";
import { cancelBatch, QUEUE_NAMES, retryFailedUploads, type BatchView } from "@pipeline/core";
import { wiring } from "@pipeline/wiring";
import type { Command } from "commander";
import { CliError } from "../CliError.js";
import { flowLines, flowSummary, type FlowSummary } from "../flowSummary.js";
import { duration } from "../format.js";
import { batchIdArg, positiveIntArg } from "../validate.js";
import { withContext, type CommandEnvironment } from "./CommandEnvironment.js";
import { registerFlowCommands } from "./flowCommands.js";


/** No progress for this long marks a processing batch as stalled in `batch show`, as the reconciler reports it. */
const STALLED_AFTER_MINUTES = Math.round(wiring.reconciler.stalledAfterSeconds / 60);

export function registerBatchCommands(program: Command, environment: CommandEnvironment): void {
  const batch = program.command("batch").description("inspect and repair one batch");

  batch
    .command("show")
    .description("status, counters, uploads per status, age, last progress, stall, flow (priority, window, paused, in flight, time left), and its dead letters")
    .argument("<batchId>", "the batch's id (UUID)", batchIdArg)
    .option("--stalled-after <minutes>", "minutes without progress that count as stalled", positiveIntArg("--stalled-after"), STALLED_AFTER_MINUTES)
    .option("--json", "print JSON")
    .action(async (batchId: string, options: { json?: boolean; stalledAfter: number }) => {
      await withContext(environment, async (context) => {
        const reader = new PostgresBatchReader(context.database);
        const page = await reader.page(batchId, { after: null, limit: 1 });
        if (!page) throw new CliError(`unknown batch: no batch ${batchId} in ${context.source}`);
        const [byStatus, letters] = await Promise.all([
          reader.uploadStatusCounts(batchId),
          Promise.all(QUEUE_NAMES.map((queue) => new SqsDeadLetters(context.sqs, context.queues).peek(queue, 1000))),
        ]);
        const deadLetters = Object.fromEntries(QUEUE_NAMES.map((queue, index) => [queue, (letters[index] ?? []).filter((letter) => letter.batchId === batchId).length]));
        const sinceChange = Date.now() - new Date(page.batch.updatedAt).getTime();
        // A paused batch makes no progress on purpose: it is not stalled.
        const stalled = page.batch.status === "processing" && !page.batch.paused && sinceChange > options.stalledAfter * 60_000;
        const flow = flowSummary(page.batch, byStatus);
        if (options.json) {
          environment.print(JSON.stringify({ batch: page.batch, uploadsByStatus: byStatus, deadLetters, stalled, flow }, null, 2));
          return;
        }
        environment.print(describe(page.batch, byStatus, deadLetters, stalled, sinceChange, flow));
      });
    });

  batch
    .command("retry-failed")
    .description("put the batch's failed uploads back to pending (counters decremented in the same statement) and re-enqueue them")
    .argument("<batchId>", "the batch's id (UUID)", batchIdArg)
    .action(async (batchId: string) => {
      await withContext(environment, async (context) => {
        const outcome = await retryFailedUploads(
          { controls: new PostgresBatchControls(context.database), batchQueue: new SqsJsonQueue(context.sqs, context.queues.batches.url), logger: context.logger },
          batchId,
        );
        if (outcome.kind === "not-found") throw new CliError(`unknown batch: no batch ${batchId} in ${context.source}`);
        if (outcome.kind === "not-retryable") throw new CliError(`batch ${batchId} is ${outcome.status}: only processing, completed or failed batches can retry failed uploads`);
        environment.print(outcome.uploads === 0 ? `batch ${batchId} has no failed uploads; nothing to retry` : `${outcome.uploads} upload(s) of batch ${batchId} sent back for another try; the batch is processing again`);
      });
    });

  batch
    .command("cancel")
    .description("stop a batch: its unfinished uploads end cancelled (and are counted), the batch ends cancelled, clients are told")
    .argument("<batchId>", "the batch's id (UUID)", batchIdArg)
    .action(async (batchId: string) => {
      await withContext(environment, async (context) => {
        const outcome = await cancelBatch(
          { controls: new PostgresBatchControls(context.database), progressQueue: new SqsJsonQueue(context.sqs, context.queues.progress.url), logger: context.logger },
          batchId,
        );
        if (outcome.kind === "not-found") throw new CliError(`unknown batch: no batch ${batchId} in ${context.source}`);
        if (outcome.kind === "already-final") throw new CliError(`batch ${batchId} is already ${outcome.status}; nothing to cancel`);
        environment.print(`batch ${batchId} cancelled; ${outcome.cancelledUploads} unfinished upload(s) will not be processed`);
      });
    });

  registerFlowCommands(batch, environment);
}

function describe(batch: BatchView, byStatus: Record<string, number>, deadLetters: Record<string, number>, stalled: boolean, sinceChange: number, flow: FlowSummary): string {
  const totalLetters = Object.values(deadLetters).reduce((sum, count) => sum + count, 0);
  const age = Date.now() - new Date(batch.createdAt).getTime();
  return [
    `batch ${batch.batchId}  ${batch.status.toUpperCase()}${batch.paused ? "  PAUSED" : ""}${stalled ? `  STALLED (no progress for ${duration(sinceChange)})` : ""}`,
    `  owner         ${batch.userId}`,
    `  uploads       ${batch.total} total, ${batch.processed} processed: ${batch.successful} completed, ${batch.failed} failed, ${batch.cancelled} cancelled`,
    `  by status     ${Object.entries(byStatus).map(([status, count]) => `${status} ${count}`).join(", ") || "(no uploads)"}`,
    ...flowLines(batch, flow),
    `  created       ${batch.createdAt} (${duration(age)} ago)`,
    `  last change   ${batch.updatedAt} (${duration(sinceChange)} ago)`,
    ...(batch.completedAt ? [`  finished      ${batch.completedAt}`] : []),
    ...(batch.errorMessage ? [`  error         ${batch.errorMessage}`] : []),
    `  dead letters  ${totalLetters}${totalLetters > 0 ? ` (${Object.entries(deadLetters).filter(([, count]) => count > 0).map(([queue, count]) => `${queue}: ${count}`).join(", ")}); see \`batchctl dlq list\`` : ""}`,
    `  progress ver. ${batch.version}`,
  ].join("\n");
}

