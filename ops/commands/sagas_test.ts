/**
 * `ops sagas` refuses arguments it cannot take with a usage error (exit 2) before it asks
 * anything: the connection here throws when touched. And its lines say what an operator needs.
 */
import assert from "node:assert/strict";
import { createLogger } from "../../shared/log/mod.ts";
import { type Cli, UsageError } from "../cli.ts";
import { failedLines, sagaLine, sagas, type SagasOptions } from "./sagas.ts";

const untouchable = new Proxy({}, {
  get: () => {
    throw new Error("NATS was asked before the arguments were checked");
  },
});
const cli: Cli = {
  nc: untouchable as Cli["nc"],
  log: createLogger({ service: "ops", level: "error" }),
  actor: "test",
  json: false,
  print: () => {},
  status: () => {},
};
const orderId = "0192f0c4-1111-7aaa-8bbb-123456789abc";

Deno.test("ops sagas: argument errors are usage errors, before NATS", async (t) => {
  const refused: [string, string[], SagasOptions, RegExp][] = [
    ["an unknown action", ["list"], {}, /no sagas list/],
    ["a stuck threshold of zero", [], { "stuck-after": "0" }, /--stuck-after takes a whole/],
    ["a stuck threshold not a number", [], { "stuck-after": "1m" }, /not "1m"/],
    ["a stuck threshold of a fraction", [], { "stuck-after": "1.5" }, /not "1.5"/],
    ["a stuck threshold past 30 days", [], { "stuck-after": "2592001" }, /1 to 2592000/],
    [
      "a limit past the page size",
      [],
      { limit: "201" },
      /--limit takes a whole number from 1 to 200/,
    ],
    ["a cursor no page gave", [], { cursor: "not-a-cursor" }, /--cursor takes the `next`/],
    ["--failed with a stuck threshold", [], { failed: true, "stuck-after": "5" }, /--failed/],
    ["--failed with --stuck", [], { failed: true, stuck: true }, /--failed/],
    ["a reason without retry", [], { reason: "why not" }, /--reason goes with retry/],
    ["retry without an order", ["retry"], { reason: "fixed" }, /sagas retry <orderId>/],
    ["retry without a reason", ["retry", orderId], {}, /sagas retry <orderId> --reason/],
    ["retry of two orders", ["retry", orderId, orderId], { reason: "fixed" }, /sagas retry/],
    [
      "retry of no UUID",
      ["retry", "42"],
      { reason: "fixed" },
      /an order's id \(a UUID\), not "42"/,
    ],
  ];
  for (const [what, args, options, message] of refused) {
    await t.step(what, async () => {
      await assert.rejects(() => sagas(cli, args, options), (error: unknown) => {
        assert.ok(error instanceof UsageError, String(error));
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

Deno.test("ops sagas: a line per saga and per failed compensation", () => {
  const line = sagaLine({
    orderId,
    userId: orderId,
    startedAt: "2026-11-30T10:00:00.000000Z",
    ageSeconds: 125,
    deadlineAt: "2026-11-30T10:05:00.000000Z",
    lastStep: { type: "orders.order.placed", at: "2026-11-30T10:00:00.000000Z" },
    waitsFor: ["payments.payment.charged", "payments.payment.declined"],
    stuck: true,
    overdue: false,
    compensationFailed: false,
  });
  assert.equal(
    line,
    `STUCK                 ${orderId}     125 s  after orders.order.placed  ` +
      "waits for payments.payment.charged | payments.payment.declined  " +
      "deadline 2026-11-30T10:05:00.000000Z",
  );
  const marked = sagaLine({
    orderId,
    userId: orderId,
    startedAt: "2026-11-30T10:00:00.000000Z",
    ageSeconds: 400,
    deadlineAt: "2026-11-30T10:05:00.000000Z",
    lastStep: { type: "payments.refund.failed", at: "2026-11-30T10:00:01.000000Z" },
    waitsFor: ["payments.payment.refunded"],
    stuck: true,
    overdue: true,
    compensationFailed: true,
  });
  assert.match(marked, new RegExp(`^STUCK,OVERDUE,FAILED  ${orderId}     400 s  after `));
  const [failed] = failedLines({
    orderId,
    userId: orderId,
    status: "cancelled",
    reason: "timed_out",
    since: "2026-11-30T10:06:00.000000Z",
    compensations: [{
      compensation: "refund",
      service: "payments",
      error: "no\nescape \x1b[31m",
      failedAt: "2026-11-30T10:06:00.000000Z",
    }],
  });
  assert.equal(
    failed,
    `${orderId}  refund   payments  since 2026-11-30T10:06:00.000000Z  cancelled (timed_out)  ` +
      "no\\u000aescape \\u001b[31m",
  );
});
