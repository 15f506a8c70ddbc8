import type { Sql } from "@pipeline/adapters/postgres";
import pg from "pg";

const TERMINATE_ALL = `
  SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS terminated
    FROM pg_stat_activity
   WHERE datname = current_database() AND pid <> pg_backend_pid()`;

// Records every move of a batch to a final state, whoever makes it: an observer of invariant I3
// that does not depend on the functions' logs (a finalizer killed after its commit logs nothing).
const FINALIZATION_AUDIT = `
  CREATE TABLE IF NOT EXISTS reliability_finalizations (
    batch_id uuid NOT NULL, from_status text NOT NULL, to_status text NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp());
  CREATE OR REPLACE FUNCTION reliability_record_finalization() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO reliability_finalizations (batch_id, from_status, to_status) VALUES (NEW.id, OLD.status, NEW.status);
    RETURN NEW;
  END $$;
  DROP TRIGGER IF EXISTS reliability_finalizations ON upload_batches;
  CREATE TRIGGER reliability_finalizations AFTER UPDATE OF status ON upload_batches FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('completed', 'failed', 'cancelled'))
    EXECUTE FUNCTION reliability_record_finalization();`;

/**
 * The test's own session on the pipeline's database, as an operator (or a failover) has one: it
 * reads state, audits finalizations, and terminates every other session at random moments. It is
 * never terminated itself, so the test's reads survive the chaos.
 */
export class DatabaseAdmin {
  terminations = 0;
  connectionsTerminated = 0;
  /** When each termination began (epoch milliseconds): a finalizer may lose its push locks then. */
  readonly terminationsStartedAt: number[] = [];
  readonly sql: Sql;
  private timers: Array<ReturnType<typeof setTimeout>> = [];
  private pending: Array<Promise<void>> = [];

  private constructor(private readonly client: pg.Client) {
    this.sql = {
      query: async <R extends Record<string, unknown>>(text: string, values?: unknown[]) => {
        const result = await client.query<R>(text, values);
        return { rows: result.rows, rowCount: result.rowCount };
      },
    };
  }

  static async connect(databaseUrl: string): Promise<DatabaseAdmin> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    return new DatabaseAdmin(client);
  }

  async installFinalizationAudit(): Promise<void> {
    await this.client.query(FINALIZATION_AUDIT);
  }

  /** How many times each batch moved to a final state. */
  async finalizations(batchIds: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.client.query<{ batch_id: string; n: number }>(
      "SELECT batch_id, count(*)::int AS n FROM reliability_finalizations WHERE batch_id = ANY($1::uuid[]) GROUP BY batch_id",
      [batchIds],
    );
    return new Map(rows.map((row) => [row.batch_id, row.n]));
  }

  async terminateAll(): Promise<number> {
    this.terminationsStartedAt.push(Date.now());
    const { rows } = await this.client.query<{ terminated: number }>(TERMINATE_ALL);
    const terminated = rows[0]?.terminated ?? 0;
    this.terminations++;
    this.connectionsTerminated += terminated;
    return terminated;
  }

  /** Terminates every other session `times` times, at random moments within the next `withinMillis`. */
  scheduleTerminations(times: number, withinMillis: number, random: () => number): void {
    for (let index = 0; index < times; index++) {
      const timer = setTimeout(() => this.pending.push(this.terminateAll().then(() => {}, () => {})), random() * withinMillis);
      this.timers.push(timer);
    }
  }

  /** Cancels the terminations that have not happened yet and waits for those under way. */
  async stopTerminations(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    await Promise.all(this.pending);
    this.pending = [];
  }

  async close(): Promise<void> {
    await this.stopTerminations();
    await this.client.end();
  }
}
