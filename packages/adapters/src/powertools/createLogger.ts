import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import type { LogAttributes, Logger } from "@pipeline/core";
import type { Context } from "aws-lambda";

/** The core's logger, able to take the Lambda context of the invocation it logs for. */
export type HandlerLogger = Logger & { addContext?(context: Context): void };

/** Powertools Logger behind the core's port: JSON lines with the Lambda context, level from POWERTOOLS_LOG_LEVEL. */
export function createLogger(serviceName: string): HandlerLogger {
  const logger = new PowertoolsLogger({ serviceName });
  const line = (level: "debug" | "info" | "warn" | "error") => (message: string, attributes?: LogAttributes) =>
    attributes ? logger[level](message, attributes) : logger[level](message);
  return {
    debug: line("debug"),
    info: line("info"),
    warn: line("warn"),
    error: line("error"),
    addContext: (context: Context) => logger.addContext(context),
  };
}
