/**
 * The chaos run's checker on a hand-made state: a confirmed order and a refunded out-of-stock one
 * pass; each corruption a broken saga would leave is named, with the order or wallet it is about.
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { products, reservationLines, reservations } from "../services/catalog/db/schema.ts";
import { orderHistory } from "../services/history/db/schema.ts";
import { notifications } from "../services/notifications/db/schema.ts";
import { failedCompensations, orderLines, orders, outbox } from "../services/orders/db/schema.ts";
import { charges, deposits, refunds, wallets } from "../services/payments/db/schema.ts";
import { testDatabases } from "../tests/harness/databases.ts";
import { checkInvariants } from "./invariants.ts";

Deno.test("chaos invariants: a sound state passes, each corruption is named", async (t) => {
  const databases = await testDatabases();
  try {
    const db = async (service: string) => (await databases.open(service)).db;
    const [ordersDb, payments, catalog, notified, history] = await Promise.all(
      ["orders", "payments", "catalog", "notifications", "history"].map(db),
    );
    const user = crypto.randomUUID(), product = crypto.randomUUID();
    const confirmed = crypto.randomUUID(), cancelled = crypto.randomUUID();
    const now = new Date();
    await catalog.insert(products).values({
      id: product,
      sku: "T-1",
      name: "t",
      priceCents: 500,
      stock: 8,
    });
    await catalog.insert(reservations).values({ orderId: confirmed, status: "reserved" });
    await catalog.insert(reservationLines).values({
      orderId: confirmed,
      productId: product,
      quantity: 2,
    });
    await ordersDb.insert(orders).values([
      { id: confirmed, userId: user, status: "confirmed", totalCents: 1000, deadlineAt: now },
      {
        id: cancelled,
        userId: user,
        status: "cancelled",
        reason: "out_of_stock",
        totalCents: 500,
        deadlineAt: now,
      },
    ]);
    await ordersDb.insert(orderLines).values([
      { orderId: confirmed, line: 1, productId: product, quantity: 2, unitPriceCents: 500 },
      { orderId: cancelled, line: 1, productId: product, quantity: 1, unitPriceCents: 500 },
    ]);
    await payments.insert(wallets).values({ userId: user, balanceCents: 9_000 });
    await payments.insert(deposits).values({
      id: crypto.randomUUID(),
      userId: user,
      kind: "opening",
      amountCents: 10_000,
    });
    await payments.insert(charges).values([
      { orderId: confirmed, userId: user, amountCents: 1000 },
      { orderId: cancelled, userId: user, amountCents: 500 },
    ]);
    await payments.insert(refunds).values({ orderId: cancelled, userId: user, amountCents: 500 });
    await notified.insert(notifications).values([
      {
        id: crypto.randomUUID(),
        userId: user,
        orderId: confirmed,
        kind: "order_confirmed",
        message: "ok",
      },
      {
        id: crypto.randomUUID(),
        userId: user,
        orderId: cancelled,
        kind: "order_cancelled",
        message: "no",
      },
    ]);
    await history.insert(orderHistory).values([
      {
        orderId: confirmed,
        userId: user,
        status: "confirmed",
        totalCents: 1000,
        itemCount: 2,
        placedAt: now,
        updatedAt: now,
      },
      {
        orderId: cancelled,
        userId: user,
        status: "cancelled",
        reason: "out_of_stock",
        totalCents: 500,
        itemCount: 1,
        placedAt: now,
        updatedAt: now,
      },
    ]);
    const violations = async () =>
      (await checkInvariants({
        orders: ordersDb,
        payments,
        catalog,
        notifications: notified,
        history,
        outboxes: [{ service: "orders", db: ordersDb, table: outbox }],
        initialStock: new Map([[product, 10]]),
        kinds: new Map([[confirmed, "success"], [cancelled, "out_of_stock"]]),
      })).violations;
    const check = async () =>
      (await violations()).map((v) => `${v.invariant}: ${v.subject}`).sort();

    await t.step("sound: no violation", async () => {
      assert.deepEqual(await check(), []);
    });

    await t.step("a refund lost: the cancellation and the wallet are named", async () => {
      await payments.delete(refunds).where(eq(refunds.orderId, cancelled));
      assert.deepEqual(await check(), [
        `money conserved: ${user}`,
        `one refund per charged cancellation: ${cancelled}`,
      ]);
      await payments.insert(refunds).values({ orderId: cancelled, userId: user, amountCents: 500 });
    });

    await t.step("stock taken twice, a notification missing, history behind", async () => {
      await catalog.update(products).set({ stock: 7 });
      await notified.delete(notifications).where(eq(notifications.orderId, confirmed));
      await history.update(orderHistory).set({ status: "pending" })
        .where(eq(orderHistory.orderId, cancelled));
      assert.deepEqual(await check(), [
        `history equals orders: ${cancelled}`,
        `one notification per terminal order: ${confirmed}`,
        "stock conserved: T-1",
      ]);
    });

    await t.step("a pending order and an unpublished event", async () => {
      await ordersDb.update(orders).set({ status: "pending" }).where(eq(orders.id, confirmed));
      await ordersDb.insert(outbox).values({
        id: crypto.randomUUID(),
        subject: "s",
        payload: "{}",
      });
      const found = await check();
      assert.ok(found.includes(`every order terminal: ${confirmed}`), found.join("\n"));
      assert.ok(found.includes("outboxes empty: orders"), found.join("\n"));
    });

    await t.step("a failed refund left behind, though the refund was made: stale", async () => {
      await ordersDb.insert(failedCompensations).values({
        orderId: cancelled,
        compensation: "refund",
        service: "payments",
        error: "failed 5 times",
        failedAt: now,
      });
      const left = (await violations()).find((v) => v.invariant === "no compensation left failed");
      assert.equal(left?.subject, cancelled);
      assert.match(left.detail, /nothing is left to refund: the state is stale/);
    });
  } finally {
    await databases.close();
  }
});
