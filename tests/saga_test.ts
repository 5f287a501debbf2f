/**
 * The order saga, by choreography, on a real stack: an order confirmed, one declined, one out of
 * stock (charged, rejected, refunded), an event re-published or a cancellation delivered twice
 * handled once; metrics on the way, and every invariant of the saga holding at the end.
 */
import assert from "node:assert/strict";
import { getJson, placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import {
  catalogStream,
  orderCancelled,
  orderPlaced,
  ordersStream,
  paymentCharged,
  paymentsStream,
  stockReleased,
} from "../shared/contracts/mod.ts";
import { createEvent } from "../shared/outbox/mod.ts";
import { json, type Stack, startStack } from "./harness/stack.ts";
import { assertSagaInvariants } from "./harness/invariants.ts";

Deno.test("the order saga, by choreography", async (t) => {
  const stack = await startStack();
  try {
    await t.step(
      "happy path: pending, then confirmed; wallet, stock, notification, timeline",
      async () => {
        const user = await signUp(stack);
        const mug = await productBySku(stack, "MUG-001");
        const res = await placeOrder(stack, user, [{ productId: mug.id, quantity: 2 }]);
        assert.equal(res.status, 201);
        const placed = await res.json();
        assert.equal(placed.status, "pending");
        assert.equal(res.headers.get("location"), `/orders/${placed.orderId}`);

        const order = await settledOrder(stack, user, placed.orderId);
        assert.equal(order.status, "confirmed");
        assert.equal(order.totalCents, 2 * mug.priceCents);
        assert.deepEqual(order.items, [
          { productId: mug.id, quantity: 2, unitPriceCents: mug.priceCents },
        ]);
        assert.deepEqual(await getJson(stack, user, "/wallet"), {
          balanceCents: 10_000 - 2 * mug.priceCents,
        });
        assert.equal((await productBySku(stack, "MUG-001")).available, mug.available - 2);
        const timeline = await getJson(stack, user, `/orders/${placed.orderId}/timeline`);
        assert.deepEqual(timeline.items.map((s: { type: string }) => s.type), [
          "orders.order.placed",
          "payments.payment.charged",
          "catalog.stock.reserved",
          "orders.order.confirmed",
        ]);
        assert.deepEqual(timeline.items.map((s: { service: string }) => s.service), [
          "orders",
          "payments",
          "catalog",
          "orders",
        ]);
        const durations = timeline.items.map((s: { durationMs: number }) => s.durationMs);
        assert.equal(durations[0], 0);
        assert.ok(durations.every((ms: number) => ms >= 0 && ms < 10_000), String(durations));
        const notifications = await waitForNotifications(stack, user, 1);
        assert.equal(notifications[0].kind, "order_confirmed");
        assert.equal(notifications[0].orderId, placed.orderId);
      },
    );

    await t.step(
      "metrics: events handled, consumer lag, outbox backlog, every instance's stats",
      async () => {
        const text = await (await stack.request("/metrics")).text();
        assert.match(
          text,
          /events_handled_total\{service="payments",event="orders.order.placed",outcome="applied"\} [1-9]/,
        );
        assert.match(text, /event_handle_duration_seconds_bucket\{[^}]*service="catalog"/);
        assert.match(text, /consumer_pending_messages\{service="payments",stream="ORDERS"\} \d+/);
        assert.match(text, /outbox_backlog_events\{service="orders"\} \d+/);
        const stats = await (await stack.request("/metrics/services")).text();
        assert.match(
          stats,
          /nats_service_requests_total\{service="orders",[^}]*endpoint="rpc.orders.placeOrder"\} [1-9]/,
        );
      },
    );

    await t.step("payment declined: cancelled with its reason; stock untouched", async () => {
      const user = await signUp(stack);
      const lamp = await productBySku(stack, "LMP-012");
      const res = await placeOrder(stack, user, [{ productId: lamp.id, quantity: 2 }]);
      const order = await settledOrder(stack, user, (await res.json()).orderId);
      assert.equal(order.status, "cancelled");
      assert.equal(order.reason, "payment_declined");
      assert.equal((await productBySku(stack, "LMP-012")).available, lamp.available);
      assert.deepEqual(await getJson(stack, user, "/wallet"), { balanceCents: 10_000 });
      const notifications = await waitForNotifications(stack, user, 1);
      assert.equal(notifications[0].kind, "order_cancelled");
    });

    await t.step(
      "out of stock: charged, rejected, refunded, cancelled; wallet restored",
      async () => {
        const user = await signUp(stack);
        const deposit = await stack.request(
          "/wallet/deposits",
          json("POST", { amountCents: 100_000 }, user.headers),
        );
        assert.equal(deposit.status, 201);
        assert.deepEqual(await deposit.json(), { balanceCents: 110_000 });
        const lamp = await productBySku(stack, "LMP-012");
        const res = await placeOrder(stack, user, [{
          productId: lamp.id,
          quantity: lamp.available + 1,
        }]);
        const orderId = (await res.json()).orderId;
        const order = await settledOrder(stack, user, orderId);
        assert.equal(order.status, "cancelled");
        assert.equal(order.reason, "out_of_stock");
        assert.deepEqual(await getJson(stack, user, "/wallet"), { balanceCents: 110_000 });
        assert.equal((await productBySku(stack, "LMP-012")).available, lamp.available);
        const timeline = await getJson(stack, user, `/orders/${orderId}/timeline`);
        assert.deepEqual(timeline.items.map((s: { type: string }) => s.type), [
          "orders.order.placed",
          "payments.payment.charged",
          "catalog.stock.rejected",
          "payments.payment.refunded",
          "orders.order.cancelled",
        ]);
      },
    );

    await t.step(
      "a placed order re-published outside the window is not charged again",
      async () => {
        const user = await signUp(stack);
        const mug = await productBySku(stack, "MUG-001");
        const res = await placeOrder(stack, user, [{ productId: mug.id, quantity: 1 }]);
        const orderId = (await res.json()).orderId;
        await settledOrder(stack, user, orderId);
        const jsm = await jetstreamManager(stack.nc);
        const placed = await jsm.streams.getMessage(ordersStream.name, {
          last_by_subj: orderPlaced.subject,
        });
        assert.equal(orderPlaced.schema.parse(placed!.json()).data.orderId, orderId);
        const before = await getJson(stack, user, "/wallet");
        // A new Nats-Msg-Id, as after the duplicate window: the stream keeps it, the inbox does not.
        const ack = await jetstream(stack.nc).publish(orderPlaced.subject, placed!.data, {
          msgID: crypto.randomUUID(),
        });
        assert.equal(ack.duplicate, false);
        await waitUntilConsumed(stack, "payments");
        assert.deepEqual(await getJson(stack, user, "/wallet"), before);
        const timeline = await getJson(stack, user, `/orders/${orderId}/timeline`);
        assert.equal(timeline.items.length, 4);
      },
    );

    await t.step("a cancelled order's reservation is released, once", async () => {
      const mug = await productBySku(stack, "MUG-001");
      const origin = { source: "test", correlationId: crypto.randomUUID() };
      const orderId = crypto.randomUUID();
      const userId = crypto.randomUUID();
      const js = jetstream(stack.nc);
      const charged = createEvent(paymentCharged, {
        orderId,
        userId,
        amountCents: 3 * mug.priceCents,
        items: [{ productId: mug.id, quantity: 3 }],
      }, origin);
      await js.publish(charged.type, JSON.stringify(charged), { msgID: charged.id });
      await waitUntilConsumed(stack, "catalog", paymentsStream.name);
      assert.equal((await productBySku(stack, "MUG-001")).available, mug.available - 3);
      const cancelled = createEvent(orderCancelled, {
        orderId,
        userId,
        reason: "out_of_stock",
      }, origin);
      await js.publish(cancelled.type, JSON.stringify(cancelled), { msgID: cancelled.id });
      await js.publish(cancelled.type, JSON.stringify(cancelled), { msgID: crypto.randomUUID() });
      await waitUntilConsumed(stack, "catalog");
      assert.equal((await productBySku(stack, "MUG-001")).available, mug.available);
      const jsm = await jetstreamManager(stack.nc);
      const released = await jsm.streams.getMessage(catalogStream.name, {
        last_by_subj: stockReleased.subject,
      });
      assert.equal(stockReleased.schema.parse(released!.json()).data.orderId, orderId);
    });

    await t.step(
      "every invariant holds: ended, one charge, one refund, money conserved",
      async () => {
        await assertSagaInvariants(stack);
      },
    );
  } finally {
    await stack.close();
  }
});

/** Waits until a service's durable consumer on a stream has nothing pending or unacked. */
async function waitUntilConsumed(stack: Stack, service: string, stream = ordersStream.name) {
  const jsm = await jetstreamManager(stack.nc);
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    const info = await jsm.consumers.info(stream, service);
    if (info.num_pending === 0 && info.num_ack_pending === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${service} did not catch up on ${stream}`);
}

async function waitForNotifications(
  stack: Awaited<ReturnType<typeof startStack>>,
  user: { headers: Record<string, string> },
  count: number,
) {
  const until = Date.now() + 10_000;
  while (true) {
    const { items } = await getJson(stack, user as never, "/notifications");
    if (items.length >= count || Date.now() > until) return items;
    await new Promise((r) => setTimeout(r, 25));
  }
}
