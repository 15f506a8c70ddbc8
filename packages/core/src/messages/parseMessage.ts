import type { z } from "zod";

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Parses a queue message body. Unknown extra fields are dropped; anything else that does not fit
 * the schema comes back with a reason an operator can read.
 */
export function parseMessage<S extends z.ZodType>(schema: S, body: string): ParseResult<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { ok: false, reason: `body is not JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`);
    return { ok: false, reason: `invalid message: ${issues.join("; ")}` };
  }
  return { ok: true, value: parsed.data };
}
