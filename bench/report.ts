/** What every benchmark suite reports: rows of named figures, printed as a table and kept as JSON. */
export interface Row {
  name: string;
  [figure: string]: string | number;
}

export interface SuiteResult {
  suite: string;
  rows: Row[];
  notes?: string[];
}

export interface BenchOptions {
  quick: boolean;
  /** A Postgres URL for suites that need one; absent, they measure PGlite only or skip. */
  databaseUrl?: string;
  progress(line: string): void;
}

export function table(result: SuiteResult): string {
  const columns = [...new Set(result.rows.flatMap((row) => Object.keys(row)))];
  const cells = result.rows.map((row) => columns.map((c) => format(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) =>
    `| ${
      values.map((v, i) => i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i])).join(" | ")
    } |`;
  return [
    `### ${result.suite}`,
    "",
    line(columns),
    `|${widths.map((w, i) => i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`).join("|")}|`,
    ...cells.map(line),
    ...(result.notes ?? []).map((note) => `\n${note}`),
  ].join("\n");
}

function format(value: string | number | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
}

/** The p-th percentile (0-100) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
