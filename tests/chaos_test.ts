/**
 * The short chaos run (chaos/run.ts, `deno task chaos` for a long one): a few seconds of orders of
 * all three kinds while catalog is killed, nats-server and services restarted and faults
 * injected (catalog's may end its process), a refund failing for good for a while, a short saga
 * deadline; then every invariant checked in the databases (PGlite, or Postgres with
 * DATABASE_URL).
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
      // The refund of an out-of-stock order fails for 3 s: past the short retries below (payments
      // runs in this process), so such a saga goes to compensation_failed, and is retried.
      holdMs: 3_000,
      holdPoint: "payments.handle.catalog.stock.rejected.before_commit",
      delivery: { maxDeliver: 3, backoffMs: [200, 400] },
      // One process only: each one's PGlite store costs seconds to make.
      processes: ["catalog"],
      drainTimeoutMs: 60_000,
      sagaDeadlineMs: 6_000,
      seed: 20,
    });
    const text = formatReport(report);
    console.log(text);
    assert.ok(passed(report), text);
    assert.ok(report.orders.some((order) => order.status === "confirmed"), text);
    assert.ok(report.orders.some((order) => order.status === "cancelled"), text);
    assert.ok(report.disruptions.size > 0 && report.faults.size > 0, text);
  },
});
