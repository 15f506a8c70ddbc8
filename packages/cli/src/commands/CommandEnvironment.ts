import type { OperatorContext } from "../OperatorContext.js";

/** What commands need from the outside: the target, and where output goes. */
export interface CommandEnvironment {
  open(): OperatorContext;
  print(text: string): void;
  /** Whether a progress bar may be drawn (a terminal, not a pipe or a test). */
  interactive: boolean;
}
