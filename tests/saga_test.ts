import assert from "node:assert/strict";
import { getJson, placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import {
  catalogStream,
  maxBalanceCents,
  maxDepositCents,
  orderCancelled,
  orderPlaced,
  ordersStream,
  paymentCharged,
  paymentsStream,
  stockReleased,
} from "../shared/contracts/mod.ts";
import { createEvent } from "../shared/outbox/mod.ts";
import { deposits, wallets } from "../services/payments/db/schema.ts";
import { eq } from "drizzle-orm";
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
      "deposits past 32 bits stay exact; one past the balance ceiling is 422 problem+json",
      async () => {
        const user = await signUp(stack);
        const depositOf = (amountCents: number) =>
          stack.request("/wallet/deposits", json("POST", { amountCents }, user.headers));
        // Issue 17: the third answered 500 (integer out of range).
        for (const n of [1, 2, 3]) {
          const res = await depositOf(maxDepositCents);
          assert.equal(res.status, 201);
          assert.deepEqual(await res.json(), { balanceCents: 10_000 + n * maxDepositCents });
        }
        // Up to the ceiling less a cent, as a deposit would: the money stays conserved.
        const { db } = await stack.database("payments");
        const topUp = maxBalanceCents - 1 - (10_000 + 3 * maxDepositCents);
        await db.transaction(async (tx) => {
          await tx.insert(deposits).values({
            id: crypto.randomUUID(),
            userId: user.userId,
            kind: "deposit",
            amountCents: topUp,
          });
          await tx.update(wallets).set({ balanceCents: maxBalanceCents - 1 })
            .where(eq(wallets.userId, user.userId));
        });
        const refused = await depositOf(2);
        assert.equal(refused.status, 422);
        assert.equal(refused.headers.get("content-type"), "application/problem+json");
        const problem = await refused.json();
        assert.equal(problem.kind, "unprocessable");
        assert.equal(problem.details.field, "amountCents");
        assert.deepEqual(await getJson(stack, user, "/wallet"), {
          balanceCents: maxBalanceCents - 1,
        });
        const last = await depositOf(1);
        assert.equal(last.status, 201);
        assert.deepEqual(await last.json(), { balanceCents: maxBalanceCents });
      },
    );

    await t.step("the same Idempotency-Key twice: one order; with other items: 422", async () => {
      const user = await signUp(stack);
      const pin = await productBySku(stack, "PIN-011");
      const items = [{ productId: pin.id, quantity: 1 }];
      const first = await placeOrder(stack, user, items, "key-1");
      const second = await placeOrder(stack, user, items, "key-1");
      assert.equal(first.status, 201);
      assert.equal(second.status, 201);
      const orderId = (await first.json()).orderId;
      assert.equal((await second.json()).orderId, orderId);
      const other = await placeOrder(stack, user, [{ productId: pin.id, quantity: 2 }], "key-1");
      assert.equal(other.status, 422);
      await other.body?.cancel();
      await settledOrder(stack, user, orderId);
      assert.equal((await getJson(stack, user, "/orders")).items.length, 1);
    });

    await t.step("the same Idempotency-Key sent five times at once: one order", async () => {
      const user = await signUp(stack);
      const pin = await productBySku(stack, "PIN-011");
      const items = [{ productId: pin.id, quantity: 1 }];
      // All five pass the endpoint's lookup; the key's row decides, and the others roll back.
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => placeOrder(stack, user, items, "key-at-once")),
      );
      assert.deepEqual(answers.map((res) => res.status), [201, 201, 201, 201, 201]);
      const orderIds = new Set(
        await Promise.all(answers.map(async (res) => (await res.json()).orderId)),
      );
      assert.equal(orderIds.size, 1);
      await settledOrder(stack, user, [...orderIds][0]);
      assert.equal((await getJson(stack, user, "/orders")).items.length, 1);
    });

    await t.step("bad orders are 400: unknown product, quantity below 1, no items", async () => {
      const user = await signUp(stack);
      const mug = await productBySku(stack, "MUG-001");
      for (
        const items of [
          [{ productId: crypto.randomUUID(), quantity: 1 }],
          [{ productId: mug.id, quantity: 0 }],
          [],
        ]
      ) {
        const res = await placeOrder(stack, user, items);
        assert.equal(res.status, 400, JSON.stringify(items));
        assert.equal(res.headers.get("content-type"), "application/problem+json");
        await res.body?.cancel();
      }
      assert.equal((await getJson(stack, user, "/orders")).items.length, 0);
    });

    await t.step("another user's order is 404, and orders list newest first", async () => {
      const owner = await signUp(stack);
      const stranger = await signUp(stack);
      const mug = await productBySku(stack, "MUG-001");
      const a = (await (await placeOrder(stack, owner, [{ productId: mug.id, quantity: 1 }]))
        .json()).orderId;
      const b = (await (await placeOrder(stack, owner, [{ productId: mug.id, quantity: 1 }]))
        .json()).orderId;
      const res = await stack.request(`/orders/${a}`, { headers: stranger.headers });
      assert.equal(res.status, 404);
      await res.body?.cancel();
      const list = await getJson(stack, owner, "/orders");
      assert.deepEqual(list.items.map((o: { id: string }) => o.id), [b, a]);
      await settledOrder(stack, owner, a);
      await settledOrder(stack, owner, b);
    });

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
