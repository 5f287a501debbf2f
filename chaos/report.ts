/**
 * The chaos run's report: what was done to the stack, a table of counts, then every violation
 * by invariant. A run passed when it drained and found no violation (`passed`).
 */
import type { DisruptionCounts } from "./disruptions.ts";
import type { DrainResult } from "./drain.ts";
import type { OrderRow, Violation } from "./invariants.ts";

/** Everything a run measured. */
export interface ChaosReport {
  seed: number;
  driver: "pglite" | "postgres";
  loadMs: number;
  /** The services that ran as processes (killed, and ended by `exit` faults). */
  processes: string[];
  orders: OrderRow[];
  /** Orders whose saga was seen in compensation_failed during the run, by id. */
  compensationFailed: string[];
  /** The load's placements: answered 201, given up, sent again after a 503/504. */
  load: { placed: number; refused: number; retried: number };
  disruptions: DisruptionCounts;
  /** The fault rules set during the run, as `point action probability`, and how often. */
  faults: DisruptionCounts;
  /** Exits nobody asked for, by service (exit faults, boots that met NATS down). */
  deaths: Record<string, number>;
  drain: DrainResult;
  violations: Violation[];
  /** Where the processes' logs were kept (a failed run only). */
  logDir?: string;
}

/** True when the stack came to rest and no invariant broke. */
export function passed(report: ChaosReport): boolean {
  return report.drain.quiet && report.violations.length === 0;
}

/** The most violations listed per invariant; the rest are counted. */
const listedPerInvariant = 20;

/** The report as text, for a terminal. */
export function formatReport(report: ChaosReport): string {
  const byStatus = (status: string) => report.orders.filter((o) => o.status === status).length;
  const byReason = (reason: string) => report.orders.filter((o) => o.reason === reason).length;
  const row = (label: string, value: number | string, note = "") =>
    `  ${label.padEnd(22)}${String(value).padStart(8)}${note ? `   ${note}` : ""}`;
  const list = (counts: DisruptionCounts | Record<string, number>) => {
    const entries = counts instanceof Map ? [...counts] : Object.entries(counts);
    return entries.length
      ? entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ×${n}`).join(", ")
      : "none";
  };
  const lines = [
    `chaos run: ${
      Math.round(report.loadMs / 1000)
    } s of load on ${report.driver}, seed ${report.seed}`,
    `  processes: ${report.processes.join(", ")}`,
    `  disruptions: ${list(report.disruptions)}`,
    `  faults: ${faultSummary(report.faults)}`,
    `  exits by fault or failed boot (restarted): ${list(report.deaths)}`,
    "",
    row(
      "placed",
      report.orders.length,
      `load: ${report.load.placed} answered 201, ${report.load.refused} given up, ${report.load.retried} retries after 503/504`,
    ),
    row("confirmed", byStatus("confirmed")),
    row(
      "cancelled",
      byStatus("cancelled"),
      `payment_declined ${byReason("payment_declined")}, out_of_stock ${
        byReason("out_of_stock")
      }, timed_out ${byReason("timed_out")}`,
    ),
    row("pending", byStatus("pending")),
    row("timed out", byReason("timed_out")),
    row("compensation failed", report.compensationFailed.length),
    row("dead letters re-driven", report.drain.redriven),
    row("violations", report.violations.length),
    "",
    report.drain.quiet
      ? `drained: at rest ${(report.drain.ms / 1000).toFixed(1)} s after the load stopped`
      : `STUCK: not at rest after ${(report.drain.ms / 1000).toFixed(1)} s: ${stuck(report.drain)}`,
  ];
  const byInvariant = Map.groupBy(report.violations, (v) => v.invariant);
  for (const [invariant, found] of byInvariant) {
    lines.push(`VIOLATED: ${invariant} (${found.length})`);
    for (const v of found.slice(0, listedPerInvariant)) lines.push(`  ${v.subject}: ${v.detail}`);
    if (found.length > listedPerInvariant) {
      lines.push(`  ... and ${found.length - listedPerInvariant} more`);
    }
  }
  if (report.logDir) lines.push(`service logs: ${report.logDir}`);
  lines.push(passed(report) ? "PASSED" : "FAILED");
  return lines.join("\n");
}

/** `12 rules on 9 points: fail ×6, delay ×5, exit ×1`: the hands of faults, in one line. */
function faultSummary(faults: DisruptionCounts): string {
  const byAction = new Map<string, number>();
  const points = new Set<string>();
  let rules = 0;
  for (const [name, n] of faults) {
    const [point, action] = name.split(" ");
    points.add(point);
    byAction.set(action, (byAction.get(action) ?? 0) + n);
    rules += n;
  }
  const actions = [...byAction].map(([action, n]) => `${action} ×${n}`).join(", ");
  return rules ? `${rules} rules on ${points.size} points: ${actions}` : "none";
}

function stuck({ unrest }: DrainResult): string {
  const parts: string[] = [];
  if (unrest.inFlight !== 0) {
    parts.push(
      `sagas in flight ${unrest.inFlight < 0 ? "unreadable" : unrest.inFlight}` +
        (unrest.oldest.length ? ` (oldest: ${unrest.oldest.join("; ")})` : ""),
    );
  }
  if (unrest.compensationFailed.length) {
    parts.push(`compensation_failed ${unrest.compensationFailed.join(" ")}`);
  }
  const nonZero = (record: Record<string, number>) =>
    Object.entries(record).filter(([, n]) => n !== 0).map(([k, n]) =>
      `${k} ${n < 0 ? "unreadable" : n}`
    );
  if (nonZero(unrest.outboxes).length) {
    parts.push(`outboxes ${nonZero(unrest.outboxes).join(", ")}`);
  }
  if (nonZero(unrest.consumers).length) {
    parts.push(`consumers ${nonZero(unrest.consumers).join(", ")}`);
  }
  if (unrest.deadLetters) parts.push(`dead letters ${unrest.deadLetters}`);
  if (unrest.down.length) parts.push(`down ${unrest.down.join(", ")}`);
  return parts.join("; ");
}
