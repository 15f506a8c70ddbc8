import type { TargetResult } from "./BenchmarkReport.js";

export type Cell = string;
export type Row = [figure: Cell, pipeline: Cell, seed: Cell, target: Cell, result: Cell] | { section: string };

const HEADER: [Cell, Cell, Cell, Cell, Cell] = ["Figure", "Pipeline", "Seed port", "Target", "Result"];

/** A target's cells: its bound with the unit, and PASS or MISS; empty when the report has no such target. */
export function targetCells(targets: readonly TargetResult[], id: string): [Cell, Cell] {
  const found = targets.find((candidate) => candidate.id === id);
  return found ? [`${found.target}${found.unit && found.unit !== "x" ? ` ${found.unit}` : found.unit}`, found.pass ? "PASS" : "MISS"] : ["", ""];
}

/** The rows under a header and a rule, each column as wide as its widest cell, then the footer's lines under a rule. */
export function renderRows(title: readonly string[], rows: readonly Row[], footer: readonly string[]): string {
  const cells = rows.filter((row): row is Exclude<Row, { section: string }> => Array.isArray(row));
  const widths = HEADER.map((_, column) => Math.max(HEADER[column]?.length ?? 0, ...cells.map((row) => row[column]?.length ?? 0)));
  const line = (row: readonly Cell[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join("  ").trimEnd();
  const rule = "-".repeat(widths.reduce((sum, width) => sum + width + 2, -2));
  const out = [...title, line(HEADER), rule];
  for (const row of rows) {
    if (Array.isArray(row)) out.push(line(row));
    else out.push("", row.section);
  }
  out.push(rule, ...footer);
  return out.join("\n");
}

export function num(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";
}

export function optional(value: number | null, digits: number): string {
  return value === null ? "n/a" : num(value, digits);
}

export function count(value: number): string {
  return value.toLocaleString("en-US");
}
