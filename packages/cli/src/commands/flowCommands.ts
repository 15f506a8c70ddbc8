import { PostgresBatchControls, PostgresBatchReader } from "@pipeline/adapters/postgres";
import { SqsJsonQueue } from "@pipeline/adapters/sqs";
import { changeBatchFlow, MAX_IN_FLIGHT_LIMIT, pauseBatch, resumeBatch, type FlowControlDeps, type FlowOutcome } from "@pipeline/core";
import { wiring } from "@pipeline/wiring";
import type { Command } from "commander";
import { CliError } from "../CliError.js";
import { inFlight, STAGE_DEFAULT_WINDOW, windowText } from "../flowSummary.js";
import type { OperatorContext } from "../OperatorContext.js";
import { batchIdArg, priorityArg, windowArg } from "../validate.js";
import { withContext, type CommandEnvironment } from "./CommandEnvironment.js";

const LIMIT_USAGE = `batchctl batch limit <batchId> <1..${MAX_IN_FLIGHT_LIMIT}|default>`;
const PRIORITY_USAGE = "batchctl batch priority <batchId> <interactive|bulk>";
const BULK_SHARE_PERCENT = Math.round(wiring.flowControl.bulkShareWhileInteractive * 100);

type Applied = Extract<FlowOutcome, { kind: "applied" }>;

/** `batch pause|resume|limit|priority`: the flow controls of issue #17, as an operator (not scoped to an owner). */
export function registerFlowCommands(batch: Command, environment: CommandEnvironment): void {
  batch
    .command("pause")
    .description("no new upload of the batch starts (released ones not yet started are held); those in flight finish and are counted")
    .argument("<batchId>", "the batch's id (UUID)", batchIdArg)
    .action(async (batchId: string) => {
      await withContext(environment, async (context) => {
        const outcome = applied(await pauseBatch(flowDeps(context), batchId, { by: "operator" }), batchId, "paused", context);
        if (!outcome.changed) return environment.print(`batch ${batchId} is already paused; nothing changed`);
        // Read after the pause: from here on no upload starts, so this is what is left to finish.
        const running = inFlight(await new PostgresBatchReader(context.database).uploadStatusCounts(batchId));
        environment.print(`batch ${batchId} paused: no new upload starts; ${running} in flight finish. Resume with \`batchctl batch resume ${batchId}\``);
      });
    });

  batch
    .command("resume")
    .description("release a paused batch's uploads again, where it stopped (held ones first)")
    .argument("<batchId>", "the batch's id (UUID)", batchIdArg)
    .action(async (batchId: string) => {
      await withContext(environment, async (context) => {
        const outcome = applied(await resumeBatch(flowDeps(context), batchId, { by: "operator" }), batchId, "resumed", context);
        environment.print(
          outcome.changed
            ? `batch ${batchId} resumed: its uploads are released again where it stopped, up to ${windowText(outcome.maxInFlight)} in flight`
            : `batch ${batchId} is not paused; nothing changed`,
        );
      });
    });

  batch
    .command("limit")
    .description("set the batch's window (uploads in flight at once), or go back to the stage's default")
    .argument("<batchId>", "the batch's id (UUID)", batchIdArg)
    .argument("<window>", `1..${MAX_IN_FLIGHT_LIMIT}, or "default" for the stage's (${STAGE_DEFAULT_WINDOW})`, windowArg(LIMIT_USAGE))
    .action(async (batchId: string, window: number | null) => {
      await withContext(environment, async (context) => {
        const outcome = applied(await changeBatchFlow(flowDeps(context), batchId, { maxInFlight: window }, { by: "operator" }), batchId, "limited", context);
        if (!outcome.changed) return environment.print(`batch ${batchId} already has window ${windowText(outcome.maxInFlight)}; nothing changed`);
        environment.print(
          `batch ${batchId} window set to ${windowText(outcome.maxInFlight)}: a larger window fills at once, a smaller one as uploads finish` +
            (outcome.paused ? " (the batch is paused: it applies on resume)" : ""),
        );
      });
    });

  batch
    .command("priority")
    .description(`interactive batches are released first; a bulk batch gets ${BULK_SHARE_PERCENT}% of its window while an interactive one runs`)
    .argument("<batchId>", "the batch's id (UUID)", batchIdArg)
    .argument("<priority>", "interactive or bulk", priorityArg(PRIORITY_USAGE))
    .action(async (batchId: string, priority: "interactive" | "bulk") => {
      await withContext(environment, async (context) => {
        const outcome = applied(await changeBatchFlow(flowDeps(context), batchId, { priority }, { by: "operator" }), batchId, "reprioritised", context);
        environment.print(outcome.changed ? `batch ${batchId} priority set to ${outcome.priority}` : `batch ${batchId} is already ${outcome.priority}; nothing changed`);
      });
    });
}

function flowDeps(context: OperatorContext): FlowControlDeps {
  return {
    controls: new PostgresBatchControls(context.database),
    batchQueue: new SqsJsonQueue(context.sqs, context.queues.batches.url),
    progressQueue: new SqsJsonQueue(context.sqs, context.queues.progress.url),
    logger: context.logger,
  };
}

/** The applied outcome; an unknown or final batch is an error the operator reads. */
function applied(outcome: FlowOutcome, batchId: string, verb: string, context: OperatorContext): Applied {
  if (outcome.kind === "not-found") throw new CliError(`unknown batch: no batch ${batchId} in ${context.source}`);
  if (outcome.kind === "already-final") throw new CliError(`batch ${batchId} is already ${outcome.status}: only a pending or processing batch can be ${verb}`);
  return outcome;
}
