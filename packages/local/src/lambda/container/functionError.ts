/** The body the Runtime API takes for an invocation or init error, as Lambda's runtimes post it. */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
  stackTrace: string[];
}

/** Formats a thrown value as Lambda's Node.js runtime does: the error's name, message and stack lines. */
export function describeFailure(error: unknown, fallbackType: string): FunctionError {
  if (error instanceof Error) {
    return {
      errorType: error.name && error.name !== "Error" ? error.name : fallbackType,
      errorMessage: error.message,
      stackTrace: (error.stack ?? "").split("\n").slice(1).map((line) => line.trim()),
    };
  }
  return { errorType: fallbackType, errorMessage: typeof error === "string" ? error : safeJson(error), stackTrace: [] };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
