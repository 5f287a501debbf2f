import assert from "node:assert/strict";
import { sinceOption, UsageError } from "./cli.ts";
import type { Envelope } from "../shared/contracts/mod.ts";
import type { DeadLetter, StreamEntry } from "../shared/operator/mod.ts";
import { parkedLine } from "./commands/outbox.ts";
import {
  deadLetterLine,
  eventLine,
  printable,
  printableJson,
  progressLine,
  replaySummary,
  serviceLines,
} from "./format.ts";

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

Deno.test("format: nothing a terminal would obey reaches it, whatever a stream holds", async (t) => {
  const hostile = "ok \u001b[7mX\u001b[0m \u001b]0;pwned\u0007 a\u0000b \u009b31m \u007f \u202e";
  // Any control character (C0, DEL, C1), line separator or bidirectional override.
  const unsafe = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
  const entry: StreamEntry = {
    stream: "AUDIT",
    seq: 7,
    time: "2026-11-30T05:00:00.000Z",
    subject: "audit.operator.acted",
    headers: { "X-Evil": hostile },
  };
  await t.step("printable escapes each one as \\uXXXX, and leaves the rest alone", () => {
    assert.equal(printable("a\u001b[7mb\u0000\u009b"), "a\\u001b[7mb\\u0000\\u009b");
    assert.equal(printable("Łódź 😀 tab\there"), "Łódź 😀 tab\\u0009here");
    assert.equal(printable("one\ntwo", { newlines: true }), "one\ntwo");
    assert.equal(printable(printable(hostile)), printable(hostile));
    assert.doesNotMatch(printable(hostile), unsafe);
  });
  await t.step("--json output stays JSON, and the same value", () => {
    const value = { reason: hostile, nested: [hostile] };
    const json = printableJson(value, 2);
    assert.doesNotMatch(json.replaceAll("\n", ""), unsafe);
    assert.deepEqual(JSON.parse(json), value);
  });
  await t.step("an audit event's actor, target, reason and outcome", () => {
    const event = {
      id: "0193c0de-0000-7000-8000-000000000001",
      type: "audit.operator.acted",
      version: 1,
      data: {
        actor: hostile,
        action: "deadletter.discard",
        target: hostile,
        reason: hostile,
        outcome: hostile,
      },
    } as unknown as Envelope;
    assert.doesNotMatch(eventLine({ ...entry, event }), unsafe);
  });
  await t.step("an event's payload, and a message that is no event", () => {
    const event = {
      id: "0193c0de-0000-7000-8000-000000000002",
      type: "orders.order.placed",
      version: 1,
      data: { orderId: hostile, note: hostile },
    } as unknown as Envelope;
    assert.doesNotMatch(eventLine({ ...entry, event }), unsafe);
    assert.doesNotMatch(
      eventLine({ ...entry, subject: "x\u001b", raw: `${hostile}\nfake line` }),
      unsafe,
    );
  });
  await t.step("a dead letter's subject and reason, a parked row's last error", () => {
    const letter: DeadLetter = {
      seq: 2,
      at: entry.time,
      service: hostile,
      stream: "ORDERS",
      streamSeq: 3,
      subject: hostile,
      reason: hostile,
      size: null,
      byReference: false,
      entry,
    };
    assert.doesNotMatch(deadLetterLine(letter), unsafe);
    assert.doesNotMatch(
      parkedLine({
        id: "x",
        subject: hostile,
        bytes: 1,
        attempts: 1,
        lastError: hostile,
        createdAt: entry.time,
        parkedAt: null,
      }),
      unsafe,
    );
  });
});
