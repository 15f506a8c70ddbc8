/** An error the operator can act on: printed as is, without a stack, exit code 2. */
export class CliError extends Error {
  override readonly name = "CliError";
}
