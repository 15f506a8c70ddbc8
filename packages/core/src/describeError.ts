/**
 * What a log line, a dead-letter reason or an operator message says about a failure, whatever was
 * thrown: drivers reject with events, AWS SDK errors keep their code and HTTP status in fields of
 * their own, and a wrapped error's reason is in its `cause`.
 */
export interface ErrorDescription {
  /** One line: the error's message, with what only its fields say, then its causes ("…: caused by …"). */
  message: string;
  /** The error's class or the service's error name: "QueueDoesNotExist", "DatabaseError", "TypeError". */
  name?: string;
  /** The AWS error code, the Postgres SQLSTATE or the system error code ("ECONNREFUSED"). */
  code?: string;
  httpStatus?: number;
  /** AWS: whether the caller ("client") or the service ("server") is at fault. */
  fault?: string;
  requestId?: string;
  /** Postgres: ERROR, FATAL or PANIC. */
  severity?: string;
  /** Postgres's detail line. */
  detail?: string;
}

/** Causes followed below the outermost error, and errors shown of an AggregateError. */
const MAX_CAUSES = 5;
const MAX_AGGREGATED = 5;
/** A value with no message of its own is shown as JSON up to this length. */
const MAX_FALLBACK_LENGTH = 200;

type Fields = Record<string, unknown>;

/**
 * Describes anything thrown, rejected or emitted as an error: a readable one-line message and the
 * fields a log line carries as attributes.
 *
 * @example
 * describeError(sqsError);
 * // { message: "AccessDenied (HTTP 403): User … is not authorized", name: "AccessDenied", httpStatus: 403, fault: "client", … }
 */
export function describeError(error: unknown): ErrorDescription {
  const subject = unwrapErrorEvent(error);
  return { message: explain(subject, 0, new Set()), ...fieldsOf(subject) };
}

/** The one-line message of `describeError`. */
export function errorMessage(error: unknown): string {
  return describeError(error).message;
}

function explain(error: unknown, depth: number, seen: Set<unknown>): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let level = 0; ; level++) {
    seen.add(current);
    const own = ownLine(current, depth, seen);
    // A wrapper that quotes its cause ("unreadable video: <the cause's message, or its first line>") says it once.
    const quoted = oneLine(own.split("\n")[0] ?? own);
    if (!parts.some((part) => part.includes(quoted))) parts.push(oneLine(own));
    current = isRecord(current) ? unwrapErrorEvent(current.cause) : undefined;
    if (current === undefined || seen.has(current)) break;
    if (level === MAX_CAUSES) {
      parts.push("…");
      break;
    }
  }
  return parts.join(": caused by ");
}

/** The line of one error, without its causes. */
function ownLine(error: unknown, depth: number, seen: Set<unknown>): string {
  if (typeof error === "string") return error.trim() || "(empty error message)";
  if (!isRecord(error)) return String(error);
  const message = typeof error.message === "string" ? error.message.trim() : "";
  const name = nameOf(error);
  if (isAwsServiceError(error)) {
    const code = awsCode(error);
    const status = httpStatusOf(error);
    const qualifiers = [code !== undefined && code !== name ? code : undefined, status !== undefined ? `HTTP ${status}` : undefined].filter(Boolean);
    const head = `${name ?? "AWS error"}${qualifiers.length > 0 ? ` (${qualifiers.join(", ")})` : ""}`;
    return message && message !== name ? `${head}: ${message}` : head;
  }
  if (isPostgresError(error)) {
    const detail = typeof error.detail === "string" && error.detail ? `: ${error.detail}` : "";
    return `${message || "database error"} (SQLSTATE ${String(error.code)})${detail}`;
  }
  if (Array.isArray(error.errors) && (error instanceof AggregateError || name === "AggregateError")) {
    const members = error.errors.slice(0, MAX_AGGREGATED).map((member) => (depth >= MAX_CAUSES ? "…" : explain(unwrapErrorEvent(member), depth + 1, seen)));
    const more = error.errors.length > MAX_AGGREGATED ? `; and ${error.errors.length - MAX_AGGREGATED} more` : "";
    return `${message || name || "several errors"}: ${members.join("; ")}${more}`;
  }
  if (message) return message;
  if (error instanceof Error) return name ?? "Error";
  return fallback(error);
}

function fieldsOf(error: unknown): Omit<ErrorDescription, "message"> {
  if (!isRecord(error)) return {};
  const name = nameOf(error);
  const aws = isAwsServiceError(error);
  const code = aws ? awsCode(error) : typeof error.code === "string" ? error.code : undefined;
  const metadata = isRecord(error.$metadata) ? error.$metadata : {};
  const fields: Omit<ErrorDescription, "message"> = {
    name,
    code,
    httpStatus: httpStatusOf(error),
    fault: typeof error.$fault === "string" ? error.$fault : undefined,
    requestId: typeof metadata.requestId === "string" ? metadata.requestId : undefined,
    severity: isPostgresError(error) ? String(error.severity) : undefined,
    detail: typeof error.detail === "string" && error.detail ? error.detail : undefined,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/**
 * A DOM or `ws` ErrorEvent (what the Neon driver rejects with when its WebSocket fails) stands for
 * the error it carries, or its message. Its `target`, the socket, is never read.
 */
function unwrapErrorEvent(value: unknown): unknown {
  if (!isRecord(value) || value instanceof Error || value.type !== "error" || !("message" in value || "error" in value)) return value;
  if (value.error instanceof Error) return value.error;
  return typeof value.message === "string" && value.message ? value.message : `${constructorName(value) ?? "error event"} without a message`;
}

function isAwsServiceError(error: Fields): boolean {
  return typeof error.$fault === "string" && isRecord(error.$metadata);
}

function awsCode(error: Fields): string | undefined {
  const code = error.Code ?? error.code;
  return typeof code === "string" ? code : undefined;
}

function httpStatusOf(error: Fields): number | undefined {
  const status = isRecord(error.$metadata) ? error.$metadata.httpStatusCode : undefined;
  return typeof status === "number" ? status : undefined;
}

/** Postgres's ErrorResponse: a five-character SQLSTATE and a severity. */
function isPostgresError(error: Fields): boolean {
  return typeof error.code === "string" && /^[0-9A-Z]{5}$/.test(error.code) && typeof error.severity === "string";
}

function nameOf(error: Fields): string | undefined {
  // pg's DatabaseError is named after the protocol message ("error"); its class says more.
  if (typeof error.name === "string" && error.name !== "" && error.name !== "error") return error.name;
  return constructorName(error);
}

function constructorName(value: Fields): string | undefined {
  const name: unknown = (value.constructor as { name?: unknown } | undefined)?.name;
  return typeof name === "string" && name !== "" && name !== "Object" ? name : undefined;
}

function fallback(value: Fields): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // Circular or unserialisable: named by its class below.
  }
  if (json === undefined || json === "{}") return `${constructorName(value) ?? "object"} without a message`;
  return json.length <= MAX_FALLBACK_LENGTH ? json : `${json.slice(0, MAX_FALLBACK_LENGTH - 1)}…`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

function isRecord(value: unknown): value is Fields {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}
