/**
 * Every event definition declares its ordering key by the platform's rule, and its subject is
 * `<owner>.<aggregate>.<fact>`, never `rpc.*`.
 */
import assert from "node:assert/strict";
import { eventData, line, orderId } from "./examples.ts";
import { allEvents, type EventDefinition, stockReleased } from "./mod.ts";

Deno.test("contracts: every event declares its ordering key", async (t) => {
  await t.step("every event contract declares one", () => {
    for (const event of allEvents) assert.equal(typeof event.orderingKey, "function", event.type);
  });

  // The platform's rule (envelope.ts, EventOptions): lanes keep these keys, so they behave the same.
  await t.step("the user when the data names one, else the order, else none", () => {
    const events: readonly EventDefinition[] = allEvents;
    for (const event of events) {
      const data = event.schema.shape.data.parse(eventData[event.type]) as {
        userId?: string;
        orderId?: string;
      };
      const expected = data.userId
        ? `user:${data.userId}`
        : data.orderId
        ? `order:${data.orderId}`
        : null;
      assert.equal(event.orderingKey?.(data), expected, event.type);
    }
    const releasedWithoutUser = { orderId, items: [line] };
    assert.equal(stockReleased.orderingKey?.(releasedWithoutUser), `order:${orderId}`);
  });
});

Deno.test("contracts: event subjects are <owner>.<aggregate>.<fact>, never rpc.*", () => {
  for (const event of allEvents) {
    assert.match(event.subject, /^[a-z]+\.[a-z]+\.[a-z]+$/);
    assert.ok(!event.subject.startsWith("rpc."));
  }
});
