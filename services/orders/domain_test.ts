import assert from "node:assert/strict";
import {
  cancellationMessage,
  expiry,
  isOverdue,
  nextStatus,
  orderStatuses,
  requestFingerprint,
  sagaDeadline,
  statusesAllowing,
} from "./domain.ts";

Deno.test("order status: only a pending order is confirmed or cancelled", () => {
  assert.equal(nextStatus("pending", { to: "confirmed" }), "confirmed");
  assert.equal(nextStatus("pending", { to: "cancelled", reason: "out_of_stock" }), "cancelled");
  for (const ended of ["confirmed", "cancelled"] as const) {
    assert.equal(nextStatus(ended, { to: "confirmed" }), null);
    assert.equal(nextStatus(ended, { to: "cancelled", reason: "payment_declined" }), null);
  }
});

Deno.test("order status: the statuses a change applies from are those the rule allows", () => {
  const changes = [{ to: "confirmed" }, { to: "cancelled", reason: "out_of_stock" }] as const;
  for (const change of changes) {
    const allowing = statusesAllowing(change);
    assert.deepEqual(allowing, ["pending"]);
    // Each leads to the change's status: the conditional update can set that one.
    for (const status of allowing) assert.equal(nextStatus(status, change), change.to);
    for (const status of orderStatuses.filter((s) => !allowing.includes(s))) {
      assert.equal(nextStatus(status, change), null);
    }
  }
});

Deno.test("fingerprint: same items the same, any other difference not", () => {
  const a = [{ productId: "p1", quantity: 1 }, { productId: "p2", quantity: 2 }];
  assert.equal(requestFingerprint(a), requestFingerprint(structuredClone(a)));
  assert.notEqual(requestFingerprint(a), requestFingerprint([a[0], { ...a[1], quantity: 3 }]));
  assert.notEqual(requestFingerprint(a), requestFingerprint([a[1], a[0]]));
});

Deno.test("saga deadline: placed plus the configured time; overdue only while pending", () => {
  const placedAt = new Date("2026-01-01T00:00:00Z");
  const deadlineAt = sagaDeadline(placedAt, 300_000);
  assert.equal(deadlineAt.toISOString(), "2026-01-01T00:05:00.000Z");
  const before = new Date(deadlineAt.getTime() - 1);
  assert.equal(isOverdue({ status: "pending", deadlineAt }, before), false);
  assert.equal(isOverdue({ status: "pending", deadlineAt }, deadlineAt), true);
  for (const status of ["confirmed", "cancelled"] as const) {
    assert.equal(isOverdue({ status, deadlineAt }, new Date(deadlineAt.getTime() + 1)), false);
  }
  assert.deepEqual(expiry, { to: "cancelled", reason: "timed_out" });
  assert.deepEqual(statusesAllowing(expiry), ["pending"]);
});

Deno.test("cancellation messages: one per reason", () => {
  const reasons = ["payment_declined", "out_of_stock", "timed_out"] as const;
  const texts = reasons.map(cancellationMessage);
  assert.equal(new Set(texts).size, reasons.length);
  assert.match(cancellationMessage("timed_out"), /in time/);
});
