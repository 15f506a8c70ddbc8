import type { HandlerLogger } from "@pipeline/adapters/powertools";
import type { LogAttributes } from "@pipeline/core";

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  attributes: LogAttributes;
}

/** Keeps every structured log line so tests can assert what operators would read. */
export class RecordingLogger implements HandlerLogger {
  readonly lines: LogLine[] = [];
  debug = (message: string, attributes: LogAttributes = {}) => void this.lines.push({ level: "debug", message, attributes });
  info = (message: string, attributes: LogAttributes = {}) => void this.lines.push({ level: "info", message, attributes });
  warn = (message: string, attributes: LogAttributes = {}) => void this.lines.push({ level: "warn", message, attributes });
  error = (message: string, attributes: LogAttributes = {}) => void this.lines.push({ level: "error", message, attributes });

  matching(pattern: RegExp | string): LogLine[] {
    return this.lines.filter((line) => (typeof pattern === "string" ? line.message.includes(pattern) : pattern.test(line.message)));
  }
}
