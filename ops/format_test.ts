import assert from "node:assert/strict";
import { sinceOption, UsageError } from "./cli.ts";
import { progressLine, replaySummary, serviceLines } from "./format.ts";

Deno.test("format: a progress bar with share, counts and rate", () => {
  assert.equal(
    progressLine({ stream: "ORDERS", read: 500, total: 1000, applied: 2, skipped: 498 }, 2000, 10),
    "ORDERS [#####-----]  50% 500/1000  250/s  applied 2 skipped 498",
  );
  assert.match(
    progressLine({ stream: "ORDERS", read: 0, total: 0, applied: 0, skipped: 0 }, 0, 4),
    /^ORDERS \[####\] 100% 0\/0 {2}0\/s/,
  );
});

Deno.test("format: a replay's summary separates applied, skipped and not handled", () => {
  const lines = replaySummary("payments", {
    stream: "ORDERS",
    dryRun: false,
    firstSeq: 3,
    lastSeq: 9,
    read: 7,
    applied: 1,
    skipped: 4,
    notHandled: 2,
    invalid: 0,
    failed: 0,
    failures: [],
    planned: [],
    ms: 500,
  });
  assert.deepEqual(lines, [
    "ORDERS #3..#9 → payments: 7 read in 0.50s (14/s)",
    "  applied 1, skipped 4 (already applied), 2 not handled by payments, 0 invalid, 0 failed",
  ]);
});

Deno.test("format: the services table lines up, one row per instance", () => {
  const instance = (name: string, id: string) => ({
    name,
    id,
    version: "0.1.0",
    description: "",
    started: "2026-11-22T01:07:39.123Z",
    endpoints: [{
      name: "quote",
      subject: "rpc.catalog.quote",
      requests: 3,
      errors: 0,
      averageMs: 1,
    }],
  });
  const lines = serviceLines([instance("catalog", "a1"), instance("catalog", "b22")]);
  assert.equal(lines.length, 3);
  assert.equal(lines[1].indexOf("0.1.0"), lines[0].indexOf("VERSION"));
  assert.match(
    lines[2],
    /^catalog +0\.1\.0 +b22 +2026-11-22T01:07:39 +3 +0 {2}1: quote 3× 1\.00ms$/,
  );
});

Deno.test("cli: --since takes a duration ago or a time, and refuses the rest", () => {
  const now = Date.parse("2026-11-22T12:00:00Z");
  assert.equal(sinceOption("10m", now), "2026-11-22T11:50:00.000Z");
  assert.equal(sinceOption("1d", now), "2026-11-21T12:00:00.000Z");
  assert.equal(sinceOption("2026-11-22T10:00:00+01:00", now), "2026-11-22T09:00:00.000Z");
  assert.throws(() => sinceOption("yesterday", now), UsageError);
});
