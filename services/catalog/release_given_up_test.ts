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
const publishing = { service: "catalog", outbox, log };
const [reserve] = catalogHandlers.payments as EventHandler[];
const [release] = catalogHandlers.orders as EventHandler[];
type Event = { id: string; correlationId: string };
const run = (db: Database, handler: EventHandler, event: Event) =>
  db.transaction((tx) => handler.handle(event as never, handlerContext(tx, event, publishing)));
const giveUp = (db: Database, event: Event) =>
  db.transaction((tx) =>
    release.onDeadLetter!(event as never, handlerContext(tx, event, publishing), "trigger raised")
  );
const published = async (db: Database) => (await db.select().from(outbox)).map((r) => r.subject);

Deno.test("catalog: a release given up on states a failure only while stock is held", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("catalog");
  const mug = crypto.randomUUID();
  await db.insert(products).values({ id: mug, sku: "MUG", name: "Mug", priceCents: 100, stock: 5 });
  const userId = crypto.randomUUID();
  const charged = (orderId: string) =>
    createEvent(paymentCharged, {
      orderId,
      userId,
      amountCents: 100,
      items: [{ productId: mug, quantity: 1 }],
    }, origin);
  const cancelled = (orderId: string) =>
    createEvent(orderCancelled, { orderId, userId, reason: "timed_out" }, origin);
  const stock = async () => (await db.select().from(products).where(eq(products.id, mug)))[0].stock;
  try {
    await t.step("reserved and not released: catalog.release.failed", async () => {
      const orderId = crypto.randomUUID();
      await run(db, reserve, charged(orderId));
      await db.delete(outbox);
      await giveUp(db, cancelled(orderId));
      assert.deepEqual(await published(db), ["catalog.release.failed"]);
      assert.equal(await stock(), 4);
      await db.delete(outbox);
    });

    await t.step("released before: nothing stated", async () => {
      const orderId = crypto.randomUUID();
      await run(db, reserve, charged(orderId));
      await run(db, release, cancelled(orderId));
      await db.delete(outbox);
      await giveUp(db, cancelled(orderId));
      assert.deepEqual(await published(db), []);
      assert.equal(await stock(), 4);
    });

    await t.step(
      "never reserved: its tombstone written, so a late charge reserves nothing",
      async () => {
        const orderId = crypto.randomUUID();
        await giveUp(db, cancelled(orderId));
        assert.deepEqual(await published(db), []);
        const [row] = await db.select().from(reservations).where(eq(reservations.orderId, orderId));
        assert.equal(row.status, "released");
        await run(db, reserve, charged(orderId));
        assert.deepEqual(await published(db), []);
        assert.equal(await stock(), 4);
      },
    );
  } finally {
    await databases.close();
  }
});
