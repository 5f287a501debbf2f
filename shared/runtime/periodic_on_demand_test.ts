import assert from "node:assert/strict";
import { createLogger } from "../log/mod.ts";
import { periodicOnDemand, type PeriodicWork } from "./periodic.ts";

const publishing = { service: "test", db: {} as never };

Deno.test("periodic work on demand: runs what is due, never twice at once, a failure reported", async () => {
  const lines: string[] = [];
  const log = createLogger({ service: "test", level: "error", write: (l) => lines.push(l) });
  let clock = 1_000_000;
  const runs: string[] = [];
  let release!: () => void;
  const slow = new Promise<void>((resolve) => release = resolve);
  const works: PeriodicWork[] = [
    { name: "sweep", everyMs: 1000, run: () => (runs.push("sweep"), Promise.resolve()) },
    { name: "purge", everyMs: 60_000, run: () => (runs.push("purge"), Promise.resolve()) },
    {
      name: "failing",
      everyMs: 1000,
      run: () => (runs.push("failing"), Promise.reject(new Error("no database"))),
    },
  ];
  const onDemand = periodicOnDemand(works, { publishing, log }, () => clock);

  // The first call runs everything: a fresh instance has not run anything yet.
  assert.deepEqual(await onDemand.runDue(), { sweep: "ran", purge: "ran", failing: "failed" });
  assert.match(lines.join("\n"), /periodic work failed.*no database/);
  // Within every interval: nothing.
  clock += 500;
  assert.deepEqual(await onDemand.runDue(), {
    sweep: "not due",
    purge: "not due",
    failing: "not due",
  });
  // Past the short intervals only: a failed work is due again like any other.
  clock += 600;
  assert.deepEqual(await onDemand.runDue(), { sweep: "ran", purge: "not due", failing: "failed" });
  assert.deepEqual(runs, ["sweep", "purge", "failing", "sweep", "failing"]);

  // A work still running when asked again is left to finish: never two runs at once.
  const held = periodicOnDemand(
    [{ name: "held", everyMs: 0, run: () => slow }],
    { publishing, log },
    () => clock,
  );
  const first = held.runDue();
  assert.deepEqual(await held.runDue(), { held: "running" });
  release();
  assert.deepEqual(await first, { held: "ran" });
  await held.stop();
});
