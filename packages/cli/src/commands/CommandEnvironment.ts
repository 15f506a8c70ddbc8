import type { OperatorContext } from "../OperatorContext.js";

/** What commands need from the outside: the target, and where output goes. */
export interface CommandEnvironment {
  open(): OperatorContext;
  print(text: string): void;
  /** Whether a progress bar may be drawn (a terminal, not a pipe or a test). */
  interactive: boolean;
}

/** Opens the target for one command and always closes it, whatever the command does. */
export async function withContext<T>(environment: CommandEnvironment, work: (context: OperatorContext) => Promise<T>): Promise<T> {
  const context = environment.open();
  try {
    return await work(context);
  } finally {
    await context.close();
  }
}
