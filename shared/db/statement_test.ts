import assert from "node:assert/strict";
import { eq, sql } from "drizzle-orm";
import { testDatabases } from "../../tests/harness/databases.ts";
import { orders } from "../../services/orders/db/schema.ts";
import { statement } from "./statement.ts";

const insertOrder = statement("test_insert_order", (db, p) =>
  db.insert(orders).values({
    id: p.id,
    userId: p.userId,
    status: "pending",
    totalCents: p.totalCents,
    deadlineAt: sql`now()`,
  }).returning({ id: orders.id, totalCents: orders.totalCents }));

const orderForUpdate = statement(
  "test_order_for_update",
  (db, p) => db.select().from(orders).where(eq(orders.id, p.id)).for("update"),
);

const touch = statement(
  "test_touch",
  (db, p) => db.update(orders).set({ updatedAt: p.updatedAt }).where(eq(orders.id, p.id)),
);

Deno.test("statements: built once, run on the database or inside a transaction", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("orders");
  const newOrder = () => ({ id: crypto.randomUUID(), userId: crypto.randomUUID(), totalCents: 42 });
  try {
    await t.step("rows come back mapped, as the builder would map them", async () => {
      const order = newOrder();
      assert.deepEqual(await insertOrder(db, order), [{ id: order.id, totalCents: 42 }]);
      const [row] = await orderForUpdate(db, { id: order.id });
      assert.equal(row.userId, order.userId);
      assert.ok(row.createdAt instanceof Date);
    });

    await t.step("inside a transaction: rolled back with it, seen only by it", async () => {
      const order = newOrder();
      await db.transaction(async (tx) => {
        await insertOrder(tx, order);
        assert.equal((await orderForUpdate(tx, { id: order.id })).length, 1);
        tx.rollback();
      }).catch(() => {});
      assert.equal((await orderForUpdate(db, { id: order.id })).length, 0);
    });

    await t.step("a Date goes in as the column's timestamp", async () => {
      const order = newOrder();
      await insertOrder(db, order);
      const updatedAt = new Date("2026-01-02T03:04:05.678Z");
      await touch(db, { id: order.id, updatedAt });
      const [row] = await orderForUpdate(db, { id: order.id });
      assert.equal(row.updatedAt.toISOString(), updatedAt.toISOString());
    });

    await t.step("each run takes its own values", async () => {
      const orders = [newOrder(), newOrder(), newOrder()];
      for (const order of orders) await insertOrder(db, order);
      for (const order of orders) {
        assert.equal((await orderForUpdate(db, { id: order.id }))[0].id, order.id);
      }
    });
  } finally {
    await databases.close();
  }
});
