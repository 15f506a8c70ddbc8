import { buildReconcilerDeps, createReconcilerHandler } from "@pipeline/functions";
import { wiring } from "@pipeline/wiring";
import type { Command } from "commander";
import { withContext, type CommandEnvironment } from "./CommandEnvironment.js";
import { positiveIntArg } from "../validate.js";

export function registerReconcileCommand(program: Command, environment: CommandEnvironment): void {
  program
    .command("reconcile")
    .description("run the reconciler once: re-send lost work, finalize, repair counters, sweep connections, report stalls")
    .option("--lost-after <seconds>", "untouched this long = lost message", positiveIntArg("--lost-after"), wiring.reconciler.lostAfterSeconds)
    .option("--stalled-after <seconds>", "no progress this long = stalled", positiveIntArg("--stalled-after"), wiring.reconciler.stalledAfterSeconds)
    .option("--json", "print JSON")
    .action(async (options: { lostAfter: number; stalledAfter: number; json?: boolean }) => {
      await withContext(environment, async (context) => {
        const lines: string[] = [];
        const record = (level: string) => (message: string, attributes: Record<string, unknown> = {}) => lines.push(`${level.padEnd(5)} ${message} ${JSON.stringify(attributes)}`);
        const deps = buildReconcilerDeps(
          { queues: context.queues, lostAfterSeconds: options.lostAfter, stalledAfterSeconds: options.stalledAfter },
          {
            sql: context.database,
            database: context.database,
            sqs: context.sqs,
            apiGateway: context.apiGateway,
            logger: { debug: () => {}, info: record("info"), warn: record("warn"), error: record("ERROR") },
          },
        );
        const summary = await createReconcilerHandler(deps)({});
        if (options.json) return environment.print(JSON.stringify({ summary, log: lines }, null, 2));
        environment.print([...lines.filter((line) => !line.startsWith("info  reconcile finished")), `reconcile finished: ${JSON.stringify(summary)}`].join("\n"));
      });
    });
}
