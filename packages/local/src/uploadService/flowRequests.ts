import { BATCH_PRIORITIES, MAX_IN_FLIGHT_LIMIT, type BatchPriority, type FlowChange } from "@pipeline/core";
import { z, type ZodError } from "zod";
import { HttpError } from "./HttpError.js";

/** A batch's own window: a whole number from 1 to MAX_IN_FLIGHT_LIMIT (the column's CHECK says the same). */
const maxInFlight = z.int().min(1).max(MAX_IN_FLIGHT_LIMIT);

/**
 * The body of `PATCH /api/batches/:id`: a window (null: back to the stage's default) and/or a
 * priority. Unknown fields are refused, not ignored: a misspelt `maxInflight` would otherwise be
 * answered 200 with nothing changed, and the client would believe it had been applied.
 */
const flowChangeSchema = z
  .strictObject({
    maxInFlight: maxInFlight.nullable().optional(),
    priority: z.enum(BATCH_PRIORITIES).optional(),
  })
  .refine((change) => change.maxInFlight !== undefined || change.priority !== undefined, { message: "name maxInFlight or priority (or both)" });

/** A PATCH body as a flow change, or a 400 saying what is wrong with it. */
export function parseFlowChange(body: unknown): FlowChange {
  const parsed = flowChangeSchema.safeParse(body);
  if (!parsed.success) throw badRequest(parsed.error);
  const { maxInFlight: window, priority } = parsed.data;
  return { ...(window !== undefined ? { maxInFlight: window } : {}), ...(priority !== undefined ? { priority } : {}) };
}

/** How a new batch's uploads are released, from the optional form fields of `POST /api/batches`. */
export interface NewBatchFlow {
  priority?: BatchPriority;
  maxInFlight?: number;
}

/** Form fields are text: the window is digits only (no sign, exponent or fraction), then checked as a number. */
const creationFields = {
  priority: z.enum(BATCH_PRIORITIES),
  maxInFlight: z.string().regex(/^\d{1,6}$/, "must be a whole number").transform(Number).pipe(maxInFlight),
};

/**
 * Collects `priority` and `maxInFlight` from a creation request's form fields as they stream in,
 * refusing a bad value (400) at once. An empty value counts as not given (an empty form input);
 * other fields are ignored, as they always were.
 */
export class NewBatchFlowFields {
  private readonly flow: NewBatchFlow = {};

  accept(name: string, value: string): void {
    if (name !== "priority" && name !== "maxInFlight") return;
    if (value === "") return;
    const parsed = creationFields[name].safeParse(value);
    if (!parsed.success) throw badRequest(parsed.error, name);
    if (name === "priority") this.flow.priority = parsed.data as BatchPriority;
    else this.flow.maxInFlight = parsed.data as number;
  }

  get value(): NewBatchFlow {
    return { ...this.flow };
  }
}

function badRequest(error: ZodError, field?: string): HttpError {
  const problems = error.issues.map((issue) => {
    const path = [field, ...issue.path.map(String)].filter((part) => part !== undefined).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return new HttpError(400, "bad_request", problems.join("; "));
}
