import { errorMessage } from "@pipeline/core";
import type pg from "pg";

export interface StatementCount {
  total: number;
  /** The most frequent statements, their text shortened. */
  top: Array<{ calls: number; query: string }>;
}

/**
 * Counts the statements the server executes in one database with pg_stat_statements: it sees every
 * client (the pipeline's pool behind the WebSocket proxy, the seed port's pool) and every statement,
 * transaction control and advisory locks included, without touching the code that runs them.
 */
export class StatementCounter {
  private constructor(private readonly admin: pg.Pool) {}

  /** The counter, or why this server cannot count (pg_stat_statements is not preloaded). */
  static async open(admin: pg.Pool): Promise<StatementCounter | { unavailable: string }> {
    try {
      await admin.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      await admin.query("SELECT count(*) FROM pg_stat_statements");
      return new StatementCounter(admin);
    } catch (error) {
      return { unavailable: `pg_stat_statements is not available on this server: ${errorMessage(error)}` };
    }
  }

  async reset(): Promise<void> {
    await this.admin.query("SELECT pg_stat_statements_reset()");
  }

  /** Statements executed in this database since the last reset, leaving out the counter's own. */
  async count(): Promise<StatementCount> {
    const { rows } = await this.admin.query<{ calls: string; query: string }>(
      `SELECT sum(calls)::bigint AS calls, query
         FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND query NOT LIKE '%pg_stat_statements%'
        GROUP BY query
        ORDER BY 1 DESC`,
    );
    const total = rows.reduce((sum, row) => sum + Number(row.calls), 0);
    const top = rows.slice(0, 6).map((row) => ({ calls: Number(row.calls), query: shorten(row.query) }));
    return { total, top };
  }
}

function shorten(query: string): string {
  const flat = query.replace(/\s+/g, " ").trim();
  return flat.length > 90 ? `${flat.slice(0, 87)}...` : flat;
}
