import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { charges, closedOrders, outbox, refunds } from "./db/schema.ts";
import { orderCancelled, orderPlaced, stockRejected } from "../../shared/contracts/mod.ts";
import { type EventHandler, handlerContext } from "../../shared/events/mod.ts";
import { createLogger } from "../../shared/log/mod.ts";
import { createEvent } from "../../shared/outbox/mod.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { paymentsHandlers } from "./handlers.ts";
import type { Database } from "../../shared/db/client.ts";

const log = createLogger({ service: "payments", level: "error" });
const origin = { source: "test", correlationId: "c-1" };
const handlers = paymentsHandlers(5000);
const publishing = { service: "payments", outbox, log };
const byType = (type: string) =>
  [...handlers.orders, ...handlers.catalog].find((h) => h.event.type === type) as EventHandler;

/** Runs `handler`'s handle (or, with a reason, its onDeadLetter) as the dispatcher would. */
function run(db: Database, handler: EventHandler, event: { id: string; correlationId: string }) {
  return db.transaction((tx) =>
    handler.handle(event as never, handlerContext(tx, event, publishing))
  );
}
function giveUp(db: Database, handler: EventHandler, event: { id: string; correlationId: string }) {
  return db.transaction((tx) =>
    handler.onDeadLetter!(event as never, handlerContext(tx, event, publishing), "trigger raised")
  );
}
const published = async (db: Database) => (await db.select().from(outbox)).map((r) => r.subject);

Deno.test("payments: a refund given up on states a failure only while the money is owed", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("payments");
  const userId = crypto.randomUUID();
  const charge = async () => {
    const orderId = crypto.randomUUID();
    const placed = createEvent(orderPlaced, {
      orderId,
      userId,
      items: [{ productId: crypto.randomUUID(), quantity: 1, unitPriceCents: 100 }],
      totalCents: 100,
    }, origin);
    await run(db, byType(orderPlaced.type), placed);
    await db.delete(outbox);
    return orderId;
  };
  const rejected = (orderId: string) =>
    createEvent(stockRejected, { orderId, userId, shortages: [] }, origin);
  const cancelled = (orderId: string) =>
    createEvent(orderCancelled, { orderId, userId, reason: "timed_out" }, origin);
  try {
    await t.step("charged and not refunded: payments.refund.failed", async () => {
      const orderId = await charge();
      await giveUp(db, byType(stockRejected.type), rejected(orderId));
      assert.deepEqual(await published(db), ["payments.refund.failed"]);
      await db.delete(outbox);
    });

    await t.step("refunded meanwhile by the cancellation: nothing stated", async () => {
      const orderId = await charge();
      await run(db, byType(orderCancelled.type), cancelled(orderId));
      assert.deepEqual(await published(db), ["payments.payment.refunded"]);
      await db.delete(outbox);
      // The rejection's refund, given up on after the cancellation refunded the order.
      await giveUp(db, byType(stockRejected.type), rejected(orderId));
      assert.deepEqual(await published(db), []);
      assert.equal((await db.select().from(refunds).where(eq(refunds.orderId, orderId))).length, 1);
    });

    await t.step(
      "a cancellation never charged, given up on: closed, so no charge comes",
      async () => {
        const orderId = crypto.randomUUID();
        await giveUp(db, byType(orderCancelled.type), cancelled(orderId));
        assert.deepEqual(await published(db), []);
        const closed = await db.select().from(closedOrders).where(
          eq(closedOrders.orderId, orderId),
        );
        assert.equal(closed.length, 1);
        const late = createEvent(orderPlaced, {
          orderId,
          userId,
          items: [{ productId: crypto.randomUUID(), quantity: 1, unitPriceCents: 100 }],
          totalCents: 100,
        }, origin);
        await run(db, byType(orderPlaced.type), late);
        assert.equal(
          (await db.select().from(charges).where(eq(charges.orderId, orderId))).length,
          0,
        );
      },
    );
  } finally {
    await databases.close();
  }
});
