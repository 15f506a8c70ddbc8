/** The one method the repositories need from a pool or a client: parameterised queries only. */
export interface Sql {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}
