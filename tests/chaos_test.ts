/**
 * The short chaos run (chaos/run.ts, `deno task chaos` for a long one): a few seconds of orders of
 * all three kinds while payments is killed, nats-server and services restarted and faults
 * injected (payments' may end its process), a short saga deadline; then every invariant checked
 * in the databases (PGlite, or Postgres with DATABASE_URL).
 */
import assert from "node:assert/strict";
import { runChaos } from "../chaos/run.ts";
import { formatReport, passed } from "../chaos/report.ts";

Deno.test({
  name: "chaos: a short run of orders under kills, restarts and faults breaks no invariant",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const report = await runChaos({
      loadMs: 8_000,
      users: 4,
      rate: 6,
      disruptEveryMs: 2_000,
      faultEveryMs: 2_500,
      // One process only: each one's PGlite store costs seconds to make.
      processes: ["payments"],
      drainTimeoutMs: 60_000,
      sagaDeadlineMs: 6_000,
      seed: 20,
    });
    const text = formatReport(report);
    assert.ok(passed(report), text);
    assert.ok(report.orders.some((order) => order.status === "confirmed"), text);
    assert.ok(report.orders.some((order) => order.status === "cancelled"), text);
    assert.ok(report.disruptions.size > 0 && report.faults.size > 0, text);
  },
});
