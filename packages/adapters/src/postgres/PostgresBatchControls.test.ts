import { describe, expect, it } from "vitest";
import { PostgresBatchControls } from "./PostgresBatchControls.js";
import type { Sql } from "./Sql.js";

/** A database whose first answers are the given errors, then a cancelled batch. */
function sqlFailingWith(...errors: unknown[]): Sql & { calls: number } {
  const sql = {
    calls: 0,
    query: async () => {
      const error = errors[sql.calls++];
      if (error) throw error;
      return { rows: [{ previous_status: "processing", cancelled: 3 }] };
    },
  };
  return sql as unknown as Sql & { calls: number };
}

const deadlock = Object.assign(new Error("deadlock detected"), { code: "40P01" });

describe("PostgresBatchControls.cancel", () => {
  it("runs the statement again when Postgres aborted it to break a deadlock", async () => {
    const sql = sqlFailingWith(deadlock, deadlock);

    expect(await new PostgresBatchControls(sql).cancel("b")).toEqual({ kind: "cancelled", cancelledUploads: 3 });
    expect(sql.calls).toBe(3);
  });

  it("gives up after five deadlocks, and does not retry any other error", async () => {
    const always = sqlFailingWith(deadlock, deadlock, deadlock, deadlock, deadlock, deadlock);
    const other = sqlFailingWith(Object.assign(new Error("connection lost"), { code: "08006" }));

    await expect(new PostgresBatchControls(always).cancel("b")).rejects.toThrow("deadlock detected");
    await expect(new PostgresBatchControls(other).cancel("b")).rejects.toThrow("connection lost");
    expect([always.calls, other.calls]).toEqual([5, 1]);
  });
});
