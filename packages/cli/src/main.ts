import { errorMessage } from "@pipeline/core";
import { Command, CommanderError } from "commander";
import { CliError } from "./CliError.js";
import { registerBatchCommands } from "./commands/batchCommands.js";
import type { CommandEnvironment } from "./commands/CommandEnvironment.js";
import { registerDlqCommands } from "./commands/dlqCommands.js";
import { registerReconcileCommand } from "./commands/reconcileCommand.js";
import { openContext } from "./OperatorContext.js";

export interface RunOptions {
  print?: (text: string) => void;
  printError?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
  interactive?: boolean;
}

/** The operator CLI. Returns the exit code: 0 done, 2 an error the operator can fix, 1 anything else. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const print = options.print ?? ((text: string) => console.log(text));
  const printError = options.printError ?? ((text: string) => console.error(text));
  const program = new Command("batchctl")
    .description("operate the media batch pipeline: dead-letter queues, batches, reconciliation")
    .version(`batchctl on node ${process.version}`)
    .option("--stack <file>", "the local stack's stack.json (default .local/stack.json; else the deployed stage from the environment)")
    .exitOverride()
    .configureOutput({ writeOut: (text) => print(text.trimEnd()), writeErr: (text) => printError(text.trimEnd()) })
    .showHelpAfterError();
  const environment: CommandEnvironment = {
    open: () => openContext({ stack: program.opts<{ stack?: string }>().stack }, options.env),
    print,
    interactive: options.interactive ?? Boolean(process.stdout.isTTY),
  };
  registerDlqCommands(program, environment);
  registerBatchCommands(program, environment);
  registerReconcileCommand(program, environment);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) {
      printError(`batchctl: ${error.message}`);
      return 2;
    }
    printError(`batchctl: ${errorMessage(error)}`);
    return 1;
  }
}
