import { BATCH_PRIORITIES, isUuid, isValidMaxInFlight, MAX_IN_FLIGHT_LIMIT, QUEUE_NAMES, type BatchPriority, type QueueName } from "@pipeline/core";
import { CliError } from "./CliError.js";
import { STAGE_DEFAULT_WINDOW } from "./flowSummary.js";

export function batchIdArg(value: string): string {
  if (!isUuid(value)) throw new CliError(`malformed id: "${value}" is not a batch id (a UUID)`);
  return value.toLowerCase();
}

export function queueArg(value: string): QueueName {
  if (!(QUEUE_NAMES as readonly string[]).includes(value)) throw new CliError(`unknown queue "${value}": choose ${QUEUE_NAMES.join(", ")}`);
  return value as QueueName;
}

export function positiveIntArg(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) throw new CliError(`${name} must be a whole number of at least 1, got "${value}"`);
    return number;
  };
}

export function positiveNumberArg(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0) throw new CliError(`${name} must be a positive number, got "${value}"`);
    return number;
  };
}

/**
 * `batch limit`'s window: a whole number the column's CHECK accepts, or "default" (null) for the
 * stage's. Checked here, not by the database, so a typo names the rule instead of a constraint;
 * digits only, since Number() would also take "1e3" or "0x10".
 */
export function windowArg(usage: string) {
  return (value: string): number | null => {
    if (value === "default") return null;
    const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!isValidMaxInFlight(number)) {
      throw new CliError(`the window must be a whole number from 1 to ${MAX_IN_FLIGHT_LIMIT}, or "default" for the stage's (${STAGE_DEFAULT_WINDOW}), got "${value}"\nusage: ${usage}`);
    }
    return number;
  };
}

export function priorityArg(usage: string) {
  return (value: string): BatchPriority => {
    if (!(BATCH_PRIORITIES as readonly string[]).includes(value)) throw new CliError(`unknown priority "${value}": choose ${BATCH_PRIORITIES.join(" or ")}\nusage: ${usage}`);
    return value as BatchPriority;
  };
}
