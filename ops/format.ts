/** How the operator's CLI prints things: one readable line per thing, or JSON with --json. */
import {
  type EventData,
  operatorActed,
  type ReplayProgress,
  type ReplayReport,
} from "../shared/contracts/mod.ts";
import type { DeadLetter, ServiceInstance, StreamEntry } from "../shared/operator/mod.ts";

// What a terminal would act on instead of showing: C0 and C1 control characters (ESC starts an
// ECMA-48 escape sequence; U+009B is CSI on its own), the line and paragraph separators, and
// the bidirectional overrides and isolates, which reorder what is shown (CVE-2021-42574).
const unprintable = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * `text` safe to write to a terminal: every control character written as its `\uXXXX` escape,
 * a lone surrogate as U+FFFD. Streams hold what anyone published, so every payload, subject,
 * header and reason goes through here before it is printed. With `newlines`, LF is kept (for
 * indented JSON, whose strings have theirs escaped already); the escapes keep JSON valid.
 */
export function printable(text: string, { newlines = false }: { newlines?: boolean } = {}): string {
  return text.toWellFormed().replace(
    unprintable,
    (c) => newlines && c === "\n" ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** `value` as JSON (indented by `indent` spaces) that is `printable`, and still JSON. */
export function printableJson(value: unknown, indent = 0): string {
  return printable(JSON.stringify(value, null, indent), { newlines: true });
}

/** The random end of an id: a UUIDv7 starts with its time, the same for events a moment apart. */
const short = (id: string) => id.slice(-8);

/** `#42  2026-11-22T10:31:05.123Z  orders.order.placed@1  order=…  {…}` */
export function eventLine(entry: StreamEntry): string {
  const head = `#${entry.seq}`.padEnd(7) + ` ${entry.time}  `;
  if (!entry.event) {
    return printable(head + `${entry.subject}  (not an event) ${clip(entry.raw ?? "", 80)}`);
  }
  const { event } = entry;
  const data = (event.data ?? {}) as Record<string, unknown>;
  if (event.type === operatorActed.type) {
    const action = data as EventData<typeof operatorActed>;
    return printable(
      head + [
        `${event.type}@${event.version}`.padEnd(28),
        `${action.actor}: ${action.action} ${action.target}`,
        action.reason ? `because "${action.reason}"` : "",
        `→ ${clip(String(action.outcome), 100)}`,
      ].filter(Boolean).join("  "),
    );
  }
  const keys = ["orderId", "userId", "productId"]
    .filter((key) => typeof data[key] === "string")
    .map((key) => `${key.replace(/Id$/, "")}=${short(data[key] as string)}`);
  const rest = Object.fromEntries(
    Object.entries(data).filter(([key]) => !["orderId", "userId", "productId"].includes(key)),
  );
  return printable(
    head + [
      `${event.type}@${event.version}`.padEnd(28),
      `id=${short(event.id)}`,
      ...keys,
      clip(JSON.stringify(rest), 90),
    ].join("  "),
  );
}

export function deadLetterLine(letter: DeadLetter): string {
  return printable([
    `#${letter.seq}`.padEnd(6),
    letter.at,
    letter.service.padEnd(13),
    `${letter.stream}#${letter.streamSeq}`.padEnd(12),
    letter.subject.padEnd(24),
    clip(letter.reason, 100),
  ].join("  "));
}

export function serviceLines(instances: ServiceInstance[]): string[] {
  if (instances.length === 0) return ["no service answered"];
  const rows = instances.map((instance) => {
    // Names and versions come from whoever answered on the bus.
    const requests = instance.endpoints.reduce((sum, e) => sum + e.requests, 0);
    const errors = instance.endpoints.reduce((sum, e) => sum + e.errors, 0);
    const busy = instance.endpoints.filter((e) => e.requests > 0)
      .map((e) => `${e.name} ${e.requests}× ${e.averageMs.toFixed(2)}ms`);
    return [
      instance.name,
      instance.version,
      instance.id,
      instance.started.slice(0, 19),
      String(requests),
      String(errors),
      `${instance.endpoints.length}: ${busy.join(", ") || "none called yet"}`,
    ].map((cell) => printable(cell));
  });
  const header = ["SERVICE", "VERSION", "INSTANCE", "STARTED", "REQUESTS", "ERRORS", "ENDPOINTS"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const numeric = new Set([4, 5]);
  return [header, ...rows].map((row) =>
    row.map((cell, i) =>
      i === row.length - 1
        ? cell
        : numeric.has(i)
        ? cell.padStart(widths[i])
        : cell.padEnd(widths[i])
    ).join("  ")
  );
}

export function replaySummary(service: string, report: ReplayReport): string[] {
  const range = report.firstSeq === null
    ? "nothing in range"
    : `#${report.firstSeq}..#${report.lastSeq}`;
  const seconds = report.ms / 1000;
  const rate = seconds > 0 ? Math.round(report.read / seconds) : report.read;
  const lines = [
    `${report.dryRun ? "dry run: " : ""}${report.stream} ${range} → ${service}: ` +
    `${report.read} read in ${seconds.toFixed(2)}s (${rate}/s)`,
    report.dryRun
      ? `  would apply ${report.applied}, would skip ${report.skipped} (already applied), ` +
        `${report.notHandled} not handled by ${service}, ${report.invalid} invalid`
      : `  applied ${report.applied}, skipped ${report.skipped} (already applied), ` +
        `${report.notHandled} not handled by ${service}, ${report.invalid} invalid, ` +
        `${report.failed} failed`,
  ];
  for (const planned of report.planned) {
    lines.push(
      `  #${planned.seq}`.padEnd(9) + ` ${planned.plan.padEnd(7)} ${planned.type}` +
        (planned.id ? `  id=${short(planned.id)}` : "") +
        (planned.reason ? `  ${planned.reason}` : ""),
    );
  }
  for (const failure of report.failures) {
    lines.push(`  #${failure.seq} ${failure.subject}: ${failure.error}`);
  }
  return lines.map((line) => printable(line));
}

/** `[#########-----------]  45% 4500/10000  1520/s  applied 12 skipped 4488` */
export function progressLine(progress: ReplayProgress, elapsedMs: number, width = 24): string {
  const share = progress.total > 0 ? Math.min(1, progress.read / progress.total) : 1;
  const filled = Math.round(share * width);
  const rate = elapsedMs > 0 ? Math.round(progress.read / (elapsedMs / 1000)) : 0;
  return printable(progress.stream) + ` [${"#".repeat(filled)}${"-".repeat(width - filled)}] ` +
    `${String(Math.round(share * 100)).padStart(3)}% ${progress.read}/${progress.total}  ` +
    `${rate}/s  applied ${progress.applied} skipped ${progress.skipped}`;
}

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}
