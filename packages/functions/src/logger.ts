import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import type { LogAttributes } from "@pipeline/core";
import type { Context } from "aws-lambda";
import type { HandlerLogger } from "./composition/infrastructure.js";

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
