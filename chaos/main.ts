/**
 * `deno task chaos [--duration 10m] [--every 3s] [--faults 4s|off] [--seed N] ...`: places orders
 * while it kills and restarts services and nats-server and injects faults, then checks every
 * invariant in the databases and prints the report (docs/chaos.md reads it). Runs on Postgres
 * when DATABASE_URL is set, else on PGlite. Exits 1 on any violation or when the stack did not
 * come to rest, 2 on bad arguments.
 */
import { parseArgs } from "node:util";
import { registry } from "../services/registry.ts";
import { runChaos } from "./run.ts";
import { formatReport, passed } from "./report.ts";

/** `90s`, `2m`, `10m`, `1500ms` or a number of seconds, in ms; NaN when it is none of those. */
export function parseDuration(text: string): number {
  const match = text.trim().match(/^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/);
  if (!match) return NaN;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] ?? "s"]!;
  return Number(match[1]) * unit;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      duration: { type: "string", default: "1m" },
      users: { type: "string", default: "8" },
      rate: { type: "string", default: "15" },
      every: { type: "string", default: "3s" },
      faults: { type: "string", default: "4s" },
      deadline: { type: "string", default: "8s" },
      drain: { type: "string", default: "3m" },
      seed: { type: "string" },
      processes: { type: "string" },
      hold: { type: "string" },
    },
  });
  const loadMs = parseDuration(values.duration);
  const disruptEveryMs = parseDuration(values.every);
  const faultEveryMs = values.faults === "off" ? 0 : parseDuration(values.faults);
  const sagaDeadlineMs = parseDuration(values.deadline);
  const drainTimeoutMs = parseDuration(values.drain);
  const users = Number(values.users), rate = Number(values.rate);
  if (
    [loadMs, disruptEveryMs, sagaDeadlineMs, drainTimeoutMs].some((ms) => !(ms > 0)) ||
    !(faultEveryMs >= 0) ||
    !Number.isInteger(users) || users < 1 || !(rate > 0)
  ) {
    console.error("usage: deno task chaos [--duration 10m] [--users 8] [--rate 15] [--every 3s]");
    console.error(
      "       [--faults 4s|off] [--deadline 8s] [--drain 3m] [--seed N] [--processes a,b]",
    );
    Deno.exit(2);
  }
  const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  // Users and the gateway stay in this process: the load signs up and orders through them.
  const killable = registry.map((s) => s.name).filter((name) =>
    !["gateway", "users"].includes(name)
  );
  const processes = values.processes?.split(",").filter(Boolean) ?? killable;
  if (processes.some((name) => !killable.includes(name))) {
    console.error(`--processes: a comma-separated list of ${killable.join(", ")}`);
    Deno.exit(2);
  }
  console.log(`chaos: ${values.duration} of load, seed ${seed}; processes ${processes.join(", ")}`);
  const report = await runChaos({
    loadMs,
    users,
    rate,
    disruptEveryMs,
    faultEveryMs,
    // Past a process's retries (about 36 s) when the run is long enough to drain it after.
    holdMs: loadMs >= 90_000 && values.hold !== "off" ? 45_000 : 0,
    holdPoint: values.hold === "off" ? undefined : values.hold,
    processes,
    drainTimeoutMs,
    sagaDeadlineMs,
    seed,
    progress: (message) => console.error(`chaos: ${message}`),
  });
  console.log(formatReport(report));
  Deno.exit(passed(report) ? 0 : 1);
}
