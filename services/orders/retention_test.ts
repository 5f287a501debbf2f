/**
 * Orders' purges on a real database: keys older than their retention go (a repeat of one then
 * places a new order), timelines of orders ended longer ago go; pending orders, orders ended
 * lately and orders with a failed compensation keep theirs.
 */
import assert from "node:assert/strict";
import { eq, inArray } from "drizzle-orm";
import { failedCompensations, idempotencyKeys, orders, outbox, timeline } from "./db/schema.ts";
import { transactionFor } from "../../shared/runtime/mod.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { placeOrder } from "./store.ts";
import { ordersPurges, purgeIdempotencyKeys, purgeTimelines } from "./retention.ts";

const day = 24 * 60 * 60 * 1000;
const ago = (ms: number) => new Date(Date.now() - ms);

Deno.test("orders retention: keys and ended orders' timelines", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("orders");
  const userId = crypto.randomUUID();
  const transaction = transactionFor({ service: "orders", db, outbox }, "c-1");
  const place = (key: string) =>
    transaction(({ publish }) =>
      placeOrder(db, {
        userId,
        items: [{ productId: crypto.randomUUID(), quantity: 1, unitPriceCents: 100 }],
        totalCents: 100,
        deadlineAt: new Date(Date.now() + 60_000),
        idempotency: { key, fingerprint: "f-1" },
      }, publish), { singleStatement: true });
  /** An order in `status`, last changed `changedAt`, with two steps at `stepsAt`. */
  const order = async (status: string, changedAt: Date, stepsAt = changedAt) => {
    const id = crypto.randomUUID();
    await db.insert(orders).values({
      id,
      userId,
      status,
      totalCents: 100,
      createdAt: stepsAt,
      updatedAt: changedAt,
      deadlineAt: stepsAt,
    });
    await db.insert(timeline).values(
      ["orders.order.placed", "payments.payment.charged"].map((type) => ({
        orderId: id,
        type,
        source: "orders",
        at: stepsAt,
      })),
    );
    return id;
  };
  const stepsOf = async (ids: string[]) =>
    Object.fromEntries(
      await Promise.all(
        ids.map(async (id) => [
          id,
          (await db.select().from(timeline).where(eq(timeline.orderId, id))).length,
        ]),
      ),
    );
  try {
    await t.step("a key older than its retention goes; a repeat of it is a new order", async () => {
      const first = await place("k-old");
      const young = await place("k-young");
      await db.update(idempotencyKeys).set({ createdAt: ago(8 * day) })
        .where(eq(idempotencyKeys.key, "k-old"));
      const deleted = await purgeIdempotencyKeys(db, { before: ago(7 * day), batchSize: 1 });
      assert.equal(deleted, 1);
      const again = await place("k-old");
      assert.ok(again.placed && again.orderId !== first.orderId);
      const repeat = await place("k-young");
      assert.ok(!repeat.placed && repeat.orderId === young.orderId);
    });

    await t.step("timelines of orders ended long ago go, the orders stay", async () => {
      const old = ago(100 * day);
      const gone = [await order("confirmed", old), await order("cancelled", old)];
      const kept = [
        // Still pending (the deadline sweep's to end), ended lately, or a compensation failed.
        await order("pending", old),
        await order("cancelled", ago(day), old),
        await order("cancelled", old),
      ];
      await db.insert(failedCompensations).values({
        orderId: kept[2],
        compensation: "refund",
        service: "payments",
        error: "wallet closed",
        failedAt: old,
      });
      const deleted = await purgeTimelines(db, { before: ago(90 * day), batchSize: 3 });
      assert.equal(deleted, 4);
      assert.deepEqual(await stepsOf(gone), { [gone[0]]: 0, [gone[1]]: 0 });
      assert.deepEqual(await stepsOf(kept), { [kept[0]]: 2, [kept[1]]: 2, [kept[2]]: 2 });
      const left = await db.select().from(orders).where(inArray(orders.id, gone));
      assert.equal(left.length, 2);
    });

    await t.step("the purges run as periodic work with the configured retentions", async () => {
      const gone = await order("confirmed", ago(11 * day));
      const works = ordersPurges(db, {
        IDEMPOTENCY_KEY_RETENTION_MS: day,
        TIMELINE_RETENTION_MS: 10 * day,
        RETENTION_PURGE_EVERY_MS: 60_000,
        RETENTION_PURGE_BATCH: 10,
      });
      const lines: string[] = [];
      const { createLogger } = await import("../../shared/log/mod.ts");
      const log = createLogger({ service: "orders", write: (line) => lines.push(line) });
      for (const work of works) await work.run({ transaction, log });
      assert.deepEqual(await stepsOf([gone]), { [gone]: 0 });
      assert.ok(lines.some((line) => line.includes('"table":"timeline"')));
    });
  } finally {
    await databases.close();
  }
});
