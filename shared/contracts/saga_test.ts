/**
 * The saga declaration's reading rules: one reaction per (service, event) with the states of every
 * role merged, a compensation's failure fact among what it may state, the edges and events drawn
 * from them, and step names in `undoes` checked when declared.
 */
import assert from "node:assert/strict";
import { orderCancelled, orderPlaced } from "./orders.ts";
import { paymentCharged, paymentRefunded, refundFailed } from "./payments.ts";
import { defineSaga, edgeName, sagaEdges, sagaEvents, sagaReactions } from "./saga.ts";

const saga = defineSaga({
  name: "small",
  starts: { service: "orders", by: "placeOrder", states: orderPlaced },
  steps: {
    charge: { service: "payments", on: [orderPlaced], states: [paymentCharged], does: "charge" },
  },
  compensations: {
    refund: {
      undoes: "charge",
      service: "payments",
      on: [orderCancelled],
      states: [paymentRefunded],
      fails: refundFailed,
      does: "refund",
    },
  },
  observers: [{ service: "payments", on: [orderPlaced], states: [], does: "count" }],
  deadline: { service: "orders", states: orderCancelled, reason: "timed_out", setting: "X_MS" },
  states: { pending: { enteredOn: [orderPlaced], terminal: false, means: "waiting" } },
  paths: {},
});

Deno.test("a saga's reactions, edges and events", async (t) => {
  await t.step("one reaction per service and event, its roles' states merged", () => {
    const reactions = sagaReactions(saga).map((r) => ({
      service: r.service,
      event: r.event.type,
      states: r.states.map((e) => e.type),
      kinds: r.kinds,
    }));
    assert.deepEqual(reactions, [
      {
        service: "payments",
        event: "orders.order.placed",
        states: ["payments.payment.charged"],
        kinds: ["step", "observer"],
      },
      {
        service: "payments",
        event: "orders.order.cancelled",
        states: ["payments.payment.refunded", "payments.refund.failed"],
        kinds: ["compensation"],
      },
    ]);
  });

  await t.step("edges name type and version, and the stating service", () => {
    assert.deepEqual(sagaEdges(saga).map(edgeName), [
      "orders.order.placed@1 -> payments.payment.charged@1 (payments)",
      "orders.order.cancelled@1 -> payments.payment.refunded@1 (payments)",
      "orders.order.cancelled@1 -> payments.refund.failed@1 (payments)",
    ]);
    assert.deepEqual(sagaEvents(saga).map((e) => e.type).sort(), [
      "orders.order.cancelled",
      "orders.order.placed",
      "payments.payment.charged",
      "payments.payment.refunded",
      "payments.refund.failed",
    ]);
  });

  await t.step("a compensation undoes a declared step only", () => {
    defineSaga({
      ...saga,
      compensations: {
        // @ts-expect-error: "reserve" is no step of this saga (deno check fails if it is allowed)
        refund: { ...saga.compensations.refund, undoes: "reserve" },
      },
    });
  });
});
