import { isUuid, QUEUE_NAMES, type QueueName } from "@pipeline/core";
import { CliError } from "./CliError.js";

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
