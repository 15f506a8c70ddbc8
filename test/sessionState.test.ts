import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * I8: the functions reach Postgres through a transaction-mode pooler (Neon's pooled endpoint), so
 * nothing they send may depend on staying on one server connection between transactions. This
 * reads every string the functions' source holds and fails on SQL that would.
 */
const SESSION_FEATURES: ReadonlyArray<[feature: string, pattern: RegExp]> = [
  ["session advisory lock (pg_advisory_xact_lock is the pooled-safe form)", /\bpg_(try_)?advisory_(lock|unlock)/i],
  ["SET without LOCAL", /(^|;)\s*SET\s+(?!LOCAL\b)(SESSION\s+)?[a-z_.]+\s*(=|\bTO\b)/i],
  ["set_config(…, false): a session setting", /\bset_config\s*\([^)]*,\s*false\s*\)/i],
  ["LISTEN", /(^|;)\s*(UN)?LISTEN\b/i],
  ["temporary table", /\bCREATE\s+((GLOBAL|LOCAL)\s+)?TEMP(ORARY)?\b/i],
  ["WITH HOLD cursor", /\bWITH\s+HOLD\b/i],
  ["SQL-level PREPARE", /(^|;)\s*(PREPARE|DEALLOCATE)\b/i],
];

function sessionFeaturesIn(sql: string): string[] {
  return SESSION_FEATURES.filter(([, pattern]) => pattern.test(sql)).map(([feature]) => feature);
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every string and template literal of a file, template placeholders read as `$`. */
function literals(path: string, text: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) found.push(node.text);
    else if (ts.isTemplateExpression(node)) found.push([node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join("$"));
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true));
  return found;
}

describe("I8: no session state on the pooled path", () => {
  it("recognises each session-level feature, and not their transaction-scoped forms", () => {
    expect(sessionFeaturesIn("SELECT pg_advisory_lock(hashtextextended($1, 7))")).toHaveLength(1);
    expect(sessionFeaturesIn("SELECT pg_advisory_unlock_all()")).toHaveLength(1);
    expect(sessionFeaturesIn("SELECT pg_try_advisory_lock(1)")).toHaveLength(1);
    expect(sessionFeaturesIn("SET statement_timeout = 0")).toHaveLength(1);
    expect(sessionFeaturesIn("BEGIN; SET SESSION search_path TO x")).toHaveLength(1);
    expect(sessionFeaturesIn("SELECT set_config('app.user', $1, false)")).toHaveLength(1);
    expect(sessionFeaturesIn("LISTEN batches")).toHaveLength(1);
    expect(sessionFeaturesIn("CREATE TEMP TABLE t (id int)")).toHaveLength(1);
    expect(sessionFeaturesIn("DECLARE c CURSOR WITH HOLD FOR SELECT 1")).toHaveLength(1);
    expect(sessionFeaturesIn("PREPARE q AS SELECT 1")).toHaveLength(1);

    expect(sessionFeaturesIn("SELECT pg_advisory_xact_lock(hashtextextended(key, 7)) FROM unnest($1::text[]) AS key")).toEqual([]);
    expect(sessionFeaturesIn("SET LOCAL statement_timeout = '5s'")).toEqual([]);
    expect(sessionFeaturesIn("UPDATE upload_batches SET status = 'completed' WHERE id = $1")).toEqual([]);
    expect(sessionFeaturesIn("SELECT set_config('app.user', $1, true)")).toEqual([]);
  });

  it("finds none in anything the functions send", async () => {
    const files = [...(await sourceFiles("packages/functions/src")), ...(await sourceFiles("packages/adapters/src"))];
    const offending: string[] = [];
    let strings = 0;
    for (const file of files) {
      for (const literal of literals(file, await readFile(file, "utf8"))) {
        strings++;
        for (const feature of sessionFeaturesIn(literal)) offending.push(`${file}: ${feature}: ${literal.trim().slice(0, 80)}`);
      }
    }
    // The scan read the adapters' SQL (a scan of nothing would pass whatever they send).
    expect(files).toContain(join("packages/adapters/src/postgres", "PostgresPushSequencer.ts"));
    expect(strings).toBeGreaterThan(100);
    expect(offending).toEqual([]);
  });
});
