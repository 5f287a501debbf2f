/**
 * The durable consumer's filter: the one event type its handlers know, else the whole stream.
 */
import assert from "node:assert/strict";
import { orderCancelled, orderConfirmed, ordersStream } from "../contracts/mod.ts";
import { on } from "./mod.ts";
import { filterSubject } from "./durable.ts";

Deno.test("consumer filter: the one type its handlers know, else the whole stream", () => {
  const handle = () => Promise.resolve();
  const cancelledOnly = [on(orderCancelled, handle, { reads: [] })];
  assert.equal(filterSubject(ordersStream, cancelledOnly), "orders.order.cancelled");
  const both = [
    on(orderCancelled, handle, { reads: [] }),
    on(orderConfirmed, handle, { reads: [] }),
  ];
  assert.equal(filterSubject(ordersStream, both), "orders.>");
});
