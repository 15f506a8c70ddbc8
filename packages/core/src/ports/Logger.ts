export type LogAttributes = Record<string, unknown>;

/** Structured logging. Every line about a batch or an upload carries `batchId` / `uploadId`. */
export interface Logger {
  debug(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
}
