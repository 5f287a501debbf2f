/**
 * An envelope's fields are bounded: correlation and causation ids, type, source, version and
 * time, so a producer's junk makes the event invalid rather than stored.
 */
import assert from "node:assert/strict";
import { at, eventData, id } from "./examples.ts";
import {
  correlationId,
  envelope,
  isCorrelationId,
  maxCorrelationIdLength,
  orderPlaced,
} from "./mod.ts";

Deno.test("contracts: an envelope's fields are bounded", async (t) => {
  const placed = {
    id: id(),
    type: "orders.order.placed",
    version: 1,
    occurredAt: at,
    source: "orders",
    correlationId: id(),
    causationId: null,
    data: eventData["orders.order.placed"],
  };
  await t.step("an x-request-id the gateway accepts is a correlation id", () => {
    for (const good of [id(), "c-1", "a".repeat(maxCorrelationIdLength), "abc_DEF=="]) {
      assert.ok(isCorrelationId(good), good);
      assert.ok(correlationId.safeParse(good).success, good);
      assert.equal(orderPlaced.schema.safeParse({ ...placed, correlationId: good }).success, true);
    }
  });
  await t.step("a 400 KB correlation id of invalid UTF-8 makes the event invalid", () => {
    // How nats.js decodes it: each invalid byte becomes U+FFFD.
    const junk = new TextDecoder().decode(new Uint8Array(400_000).fill(0xff));
    const message = JSON.stringify({ ...placed, correlationId: junk });
    const parsed = JSON.parse(message);
    assert.equal(envelope.safeParse(parsed).success, false);
    assert.equal(orderPlaced.schema.safeParse(parsed).success, false);
  });
  await t.step("too long, a space, a NUL: not a correlation or causation id", () => {
    for (const bad of ["", "a".repeat(maxCorrelationIdLength + 1), "a b", "a\u0000", "é"]) {
      assert.equal(isCorrelationId(bad), false, JSON.stringify(bad));
      assert.equal(correlationId.safeParse(bad).success, false, JSON.stringify(bad));
      assert.equal(envelope.safeParse({ ...placed, causationId: bad }).success, false);
    }
  });
  await t.step("a header that was not sent, or not a string: not a correlation id", () => {
    for (const bad of [undefined, null, 42, ["abc"]]) assert.equal(isCorrelationId(bad), false);
  });
  await t.step("a type, source or version that no producer of ours makes is refused", () => {
    for (
      const bad of [
        { type: "x".repeat(200) },
        { type: "Orders.Order.Placed" },
        { source: "a".repeat(65) },
        { source: "orders service" },
        { version: 1e6 },
        { occurredAt: "0000-01-01T00:00:00Z" },
      ]
    ) {
      assert.equal(envelope.safeParse({ ...placed, ...bad }).success, false, JSON.stringify(bad));
    }
  });
});
