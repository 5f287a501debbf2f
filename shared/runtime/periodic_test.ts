import assert from "node:assert/strict";
import { createLogger } from "../log/mod.ts";
import { startPeriodic } from "./periodic.ts";

const publishing = { service: "test", db: {} as never };

Deno.test("periodic work: runs again after each run, a failure logged and not fatal; stop waits", async () => {
  const lines: string[] = [];
  const log = createLogger({ service: "test", level: "error", write: (l) => lines.push(l) });
  let runs = 0;
  let running = 0;
  let overlapped = false;
  let finished!: () => void;
  const fourRuns = new Promise<void>((resolve) => finished = resolve);
  const periodic = startPeriodic([{
    name: "counting",
    everyMs: 5,
    run: async ({ transaction }) => {
      assert.equal(typeof transaction, "function");
      overlapped ||= running > 0;
      running++;
      runs++;
      // The test stops while the 4th run is in flight.
      if (runs === 4) finished();
      await new Promise((r) => setTimeout(r, 10));
      running--;
      if (runs === 2) throw new Error("the second run fails");
    },
  }], { publishing, log });
  // Fails rather than hangs when the work stops coming back.
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    fourRuns,
    new Promise((_, reject) => timer = setTimeout(() => reject(new Error("no 4th run")), 5000)),
  ]).finally(() => clearTimeout(timer));
  await periodic.stop();
  assert.equal(running, 0, "stop waited for the run in flight");
  const stoppedAt = runs;
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(runs, stoppedAt, "no run after stop");
  assert.equal(overlapped, false);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /periodic work failed.*the second run fails/);
  assert.match(lines[0], /"work":"counting"/);
});
