import {
  CancelMessageMoveTaskCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { DEFAULT_REDRIVE_RATE_PER_SECOND, QUEUE_NAMES, redriveDeadLetters, type DeadLetterMessage, type QueueName } from "@pipeline/core";
import { SqsDeadLetters } from "@pipeline/adapters/sqs";
import { Presets, SingleBar } from "cli-progress";
import type { Command } from "commander";
import { CliError } from "../CliError.js";
import { duration, table } from "../format.js";
import { withContext, type CommandEnvironment } from "./CommandEnvironment.js";
import { batchIdArg, positiveIntArg, positiveNumberArg, queueArg } from "../validate.js";

export function registerDlqCommands(program: Command, environment: CommandEnvironment): void {
  const dlq = program.command("dlq").description("inspect and redrive the dead-letter queues");

  dlq
    .command("list")
    .description("the dead letters with batch, upload, reason and receive count, grouped by batch; nothing is consumed")
    .option("--queue <queue>", "batches, uploads or progress (default: all three)", queueArg)
    .option("--max <n>", "messages to read per queue", positiveIntArg("--max"), 1000)
    .option("--json", "print JSON")
    .action(async (options: { queue?: QueueName; max: number; json?: boolean }) => {
      await withContext(environment, async (context) => {
        const inspector = new SqsDeadLetters(context.sqs, context.queues, context.deadLetterBodies);
        const queues = options.queue ? [options.queue] : [...QUEUE_NAMES];
        const letters = (await Promise.all(queues.map((queue) => inspector.peek(queue, options.max)))).flat();
        if (options.json) return environment.print(JSON.stringify(letters, null, 2));
        environment.print(describeLetters(letters, queues));
      });
    });

  dlq
    .command("show")
    .description("one dead letter with its reason and its whole original body (an offloaded body is read from object storage); nothing is consumed")
    .argument("<messageId>", "the message id `dlq list --json` prints")
    .option("--queue <queue>", "batches, uploads or progress (default: all three)", queueArg)
    .option("--max <n>", "messages to read per queue while looking for it", positiveIntArg("--max"), 1000)
    .action(async (messageId: string, options: { queue?: QueueName; max: number }) => {
      await withContext(environment, async (context) => {
        const inspector = new SqsDeadLetters(context.sqs, context.queues, context.deadLetterBodies);
        const queues = options.queue ? [options.queue] : [...QUEUE_NAMES];
        const letters = (await Promise.all(queues.map((queue) => inspector.peek(queue, options.max)))).flat();
        const letter = letters.find((candidate) => candidate.messageId === messageId);
        if (!letter) throw new CliError(`no dead letter ${messageId} in ${queues.join(", ")}`);
        const body = await inspector.originalBody(letter);
        environment.print(
          [
            `queue: ${letter.queue}`,
            `batch: ${letter.batchId ?? "-"}`,
            `upload: ${letter.uploadId ?? "-"}`,
            `receives: ${letter.receiveCount}`,
            `reason: ${letter.reason ?? `(moved by the queue after ${letter.receiveCount} receives)`}`,
            ...(letter.offloaded ? [`body: offloaded to ${letter.offloaded.location} (${letter.offloaded.bytes} bytes)`] : []),
            "",
            body,
          ].join("\n"),
        );
      });
    });

  dlq
    .command("redrive")
    .description(
      `send dead letters back to their source queue (each deleted only after its send succeeded; an offloaded body is sent as it was, then deleted), ${DEFAULT_REDRIVE_RATE_PER_SECOND} messages a second unless --rate says otherwise`,
    )
    .option("--queue <queue>", "batches, uploads or progress", queueArg, "uploads")
    .option("--batch <batchId>", "only this batch's messages; the others stay", batchIdArg)
    .option("--max <n>", "at most this many messages", positiveIntArg("--max"))
    .option("--rate <perSecond>", `at most this many messages per second (default: ${DEFAULT_REDRIVE_RATE_PER_SECOND})`, positiveNumberArg("--rate"))
    .option("--move-task", "use SQS's StartMessageMoveTask (AWS; no --batch or --max): status with `dlq redrive-status`")
    .action(async (options: { queue: QueueName; batch?: string; max?: number; rate?: number; moveTask?: boolean }) => {
      await withContext(environment, async (context) => {
        if (options.moveTask) {
          if (options.batch || options.max) throw new CliError("--move-task moves every message: it cannot be combined with --batch or --max");
          const handle = await startMoveTask(context.sqs, context.queues[options.queue], options.rate);
          return environment.print(`move task started for the ${options.queue} dead-letter queue (task handle ${handle}); follow it with \`batchctl dlq redrive-status --queue ${options.queue}\``);
        }
        const inspector = new SqsDeadLetters(context.sqs, context.queues, context.deadLetterBodies);
        const bar = environment.interactive ? new SingleBar({ format: " redrive {bar} {value} moved", hideCursor: true }, Presets.shades_classic) : undefined;
        bar?.start(options.max ?? 0, 0);
        const report = await redriveDeadLetters(inspector.store(options.queue), context.logger, {
          batchId: options.batch,
          max: options.max,
          ratePerSecond: options.rate,
          onMoved: (moved) => bar?.update(moved),
        }).finally(() => bar?.stop());
        environment.print(
          `${report.moved} message(s) moved from the ${options.queue} dead-letter queue back to ${options.queue}` +
            (report.skipped > 0 ? `; ${report.skipped} left in place${options.batch ? ` (other batches)` : ""}` : ""),
        );
        if (report.lapsed.length > 0) {
          environment.print(`${report.lapsed.length} message(s) not moved: their hold lapsed, another reader may have had them (${report.lapsed.join(", ")}); run the redrive again`);
        }
        if (report.notDeleted.length > 0) {
          throw new CliError(
            `${report.notDeleted.length} message(s) were sent back but could not be deleted from the ${options.queue} dead-letter queue (${report.notDeleted.join(", ")}): check \`dlq list\` before redriving again, or they are sent twice`,
          );
        }
      });
    });

  dlq
    .command("redrive-status")
    .description("the message move tasks of a dead-letter queue (ListMessageMoveTasks)")
    .option("--queue <queue>", "batches, uploads or progress", queueArg, "uploads")
    .action(async (options: { queue: QueueName }) => {
      await withContext(environment, async (context) => {
        const { Results = [] } = await context.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: await queueArn(context.sqs, context.queues[options.queue].dlqUrl), MaxResults: 10 }));
        if (Results.length === 0) return environment.print(`no move tasks for the ${options.queue} dead-letter queue`);
        environment.print(
          table(
            ["status", "moved", "of", "started", "task handle"],
            Results.map((task) => [
              task.Status ?? "",
              String(task.ApproximateNumberOfMessagesMoved ?? 0),
              String(task.ApproximateNumberOfMessagesToMove ?? "?"),
              task.StartedTimestamp ? `${duration(Date.now() - task.StartedTimestamp)} ago` : "",
              task.TaskHandle ?? "",
            ]),
          ),
        );
      });
    });

  dlq
    .command("redrive-cancel")
    .description("cancel a running message move task (CancelMessageMoveTask)")
    .requiredOption("--task <handle>", "the task handle from `dlq redrive-status`")
    .action(async (options: { task: string }) => {
      await withContext(environment, async (context) => {
        const { ApproximateNumberOfMessagesMoved = 0 } = await context.sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: options.task }));
        environment.print(`move task cancelled after ${ApproximateNumberOfMessagesMoved} message(s) moved`);
      });
    });
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  if (!Attributes?.QueueArn) throw new CliError(`queue ${url} has no ARN`);
  return Attributes.QueueArn;
}

async function startMoveTask(sqs: SQSClient, queue: { url: string; dlqUrl: string }, rate: number | undefined): Promise<string> {
  const [source, destination] = await Promise.all([queueArn(sqs, queue.dlqUrl), queueArn(sqs, queue.url)]);
  try {
    const { TaskHandle } = await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: source, DestinationArn: destination, ...(rate ? { MaxNumberOfMessagesPerSecond: Math.round(rate) } : {}) }),
    );
    return TaskHandle ?? "";
  } catch (error) {
    throw new CliError(`the queue engine refused StartMessageMoveTask (${(error as Error).message}); redrive without --move-task instead`);
  }
}

function describeLetters(letters: readonly DeadLetterMessage[], queues: readonly QueueName[]): string {
  if (letters.length === 0) return `no dead letters in ${queues.join(", ")}`;
  const byBatch = new Map<string, DeadLetterMessage[]>();
  for (const letter of letters) {
    const key = letter.batchId ?? "(no batch id: malformed body)";
    byBatch.set(key, [...(byBatch.get(key) ?? []), letter]);
  }
  return [...byBatch]
    .map(([batch, group]) =>
      [
        `batch ${batch}: ${group.length} message(s)`,
        table(
          ["queue", "upload", "receives", "reason", "body"],
          group.map((letter) => [
            letter.queue,
            letter.uploadId ?? "-",
            String(letter.receiveCount),
            letter.reason ?? `(moved by the queue after ${letter.receiveCount} receives)`,
            letter.offloaded ? `offloaded: ${letter.offloaded.location} (${letter.offloaded.bytes} bytes)` : "in the message",
          ]),
        ),
      ].join("\n"),
    )
    .join("\n\n");
}
