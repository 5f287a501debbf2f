import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { outbox, products, reservations } from "./db/schema.ts";
import { orderCancelled, paymentCharged } from "../../shared/contracts/mod.ts";
import { type EventHandler, handlerContext } from "../../shared/events/mod.ts";
import type { Database } from "../../shared/db/client.ts";
import { createLogger } from "../../shared/log/mod.ts";
import { createEvent } from "../../shared/outbox/mod.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { catalogHandlers } from "./handlers.ts";

const log = createLogger({ service: "catalog", level: "error" });
const origin = { source: "test", correlationId: "c-1" };
/** Runs `handler` on `event` in `tx`, as the dispatcher would. */
const handle = (
  handler: EventHandler,
  event: { id: string; correlationId: string },
  tx: Database,
) => handler.handle(event as never, handlerContext(tx, event, { service: "catalog", outbox, log }));

Deno.test("catalog: one transaction's orders for the same products, as a batch applies them", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("catalog");
  const [mug, cap] = [crypto.randomUUID(), crypto.randomUUID()];
  await db.insert(products).values([
    { id: mug, sku: "MUG", name: "Mug", priceCents: 100, stock: 3 },
    { id: cap, sku: "CAP", name: "Cap", priceCents: 100, stock: 1 },
  ]);
  const charged = (items: { productId: string; quantity: number }[]) =>
    createEvent(paymentCharged, {
      orderId: crypto.randomUUID(),
      userId: crypto.randomUUID(),
      amountCents: 100,
      items,
    }, origin);
  const stockOf = async (id: string) =>
    (await db.select().from(products).where(eq(products.id, id)))[0].stock;
  const [reserve] = catalogHandlers.payments;
  const [release] = catalogHandlers.orders;
  try {
    await t.step("later orders decide on the stock the earlier ones left", async () => {
      const orders = [
        charged([{ productId: mug, quantity: 2 }]),
        charged([{ productId: mug, quantity: 1 }, { productId: cap, quantity: 1 }]),
        charged([{ productId: mug, quantity: 1 }]), // none left
        charged([{ productId: cap, quantity: 1 }]), // none left
      ];
      await db.transaction(async (tx) => {
        for (const order of orders) await handle(reserve, order, tx);
      });
      const outcomes = await db.select({ subject: outbox.subject }).from(outbox)
        .orderBy(outbox.seq);
      assert.deepEqual(outcomes.map((row) => row.subject.split(".").pop()), [
        "reserved",
        "reserved",
        "rejected",
        "rejected",
      ]);
      assert.equal(await stockOf(mug), 0);
      assert.equal(await stockOf(cap), 0);
    });

    await t.step(
      "a release in the same transaction gives the stock back to later orders",
      async () => {
        const [held] = await db.select().from(reservations).limit(1);
        const cancelled = createEvent(orderCancelled, {
          orderId: held.orderId,
          userId: crypto.randomUUID(),
          reason: "payment_declined",
        }, origin);
        await db.transaction(async (tx) => {
          await handle(reserve, charged([{ productId: mug, quantity: 1 }]), tx);
          await handle(release, cancelled, tx);
          await handle(reserve, charged([{ productId: mug, quantity: 1 }]), tx);
        });
        const outcomes = await db.select({ subject: outbox.subject }).from(outbox)
          .orderBy(outbox.seq);
        assert.deepEqual(outcomes.slice(4).map((row) => row.subject.split(".").pop()), [
          "rejected",
          "released",
          "reserved",
        ]);
        const released = (await db.select().from(reservations)
          .where(eq(reservations.orderId, held.orderId)))[0];
        assert.equal(released.status, "released");
      },
    );
  } finally {
    await databases.close();
  }
});
