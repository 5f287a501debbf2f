import assert from "node:assert/strict";
import { count, eq, inArray } from "drizzle-orm";
import { idempotencyKeys, orderLines, orders, outbox, timeline } from "./db/schema.ts";
import type { Database } from "../../shared/db/client.ts";
import type { OutboxRow } from "../../shared/outbox/mod.ts";
import { transactionFor } from "../../shared/runtime/mod.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { pageAsked } from "../../shared/contracts/mod.ts";
import type { OrderChange } from "./domain.ts";
import { listOrders, type NewOrder, placeOrder, stepThenChange, timelineOf } from "./store.ts";

/** What the endpoints and handlers do through `ctx.transaction`; `stored` hears of the rows. */
function ordersStore(db: Database, stored: OutboxRow[] = []) {
  const relay = { stored: (rows: OutboxRow[]) => stored.push(...rows), committed: () => {} };
  const transaction = transactionFor({ service: "orders", db, outbox, relay }, "c-1");
  return {
    place: (order: NewOrder) =>
      transaction(({ tx, publish }) => placeOrder(tx, order, publish), { singleStatement: true }),
    changeOrder: (step: Parameters<typeof stepThenChange>[1], change: OrderChange) =>
      transaction(({ tx, publish }) => stepThenChange(tx, step, change, publish)),
  };
}

Deno.test("orders: placing an order in one statement, then changing it", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("orders");
  const userId = crypto.randomUUID();
  const order = (totalCents = 300): NewOrder => ({
    userId,
    items: [
      { productId: crypto.randomUUID(), quantity: 2, unitPriceCents: 100 },
      { productId: crypto.randomUUID(), quantity: 1, unitPriceCents: 100 },
    ],
    totalCents,
    deadlineAt: new Date(Date.now() + 60_000),
  });
  const rowsOf = async (orderId: string) => ({
    orders: (await db.select({ n: count() }).from(orders).where(eq(orders.id, orderId)))[0].n,
    lines: (await db.select().from(orderLines).where(eq(orderLines.orderId, orderId))).length,
    steps: (await db.select().from(timeline).where(eq(timeline.orderId, orderId))).length,
  });
  const keyed = (key: string) => ({ ...order(), idempotency: { key, fingerprint: "f-1" } });
  const { place, changeOrder } = ordersStore(db);
  try {
    await t.step(
      "the order, its lines, its first step and its event; the relay hears of it",
      async () => {
        const stored: OutboxRow[] = [];
        const placed = await ordersStore(db, stored).place(order());
        assert.ok(placed.placed);
        assert.deepEqual(await rowsOf(placed.orderId), { orders: 1, lines: 2, steps: 1 });
        const [event] = await db.select().from(outbox).where(eq(outbox.id, stored[0].id));
        assert.equal(event.subject, "orders.order.placed");
        assert.equal(JSON.parse(event.payload).data.orderId, placed.orderId);
        assert.equal(stored.length, 1);
      },
    );

    await t.step("a key used before: nothing written, the earlier order answered", async () => {
      const first = await place(keyed("k-1"));
      const stored: OutboxRow[] = [];
      const again = await ordersStore(db, stored).place(keyed("k-1"));
      assert.deepEqual(again, { placed: false, orderId: first.orderId, fingerprint: "f-1" });
      assert.deepEqual(stored, []);
      const mine = await db.select({ n: count() }).from(orders).where(eq(orders.userId, userId));
      const keys = await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, "k-1"));
      assert.equal(keys.length, 1);
      // The first step's order and k-1's: the second k-1 made none.
      assert.equal(mine[0].n, 2);
    });

    await t.step("a statement that fails leaves no line, key or event behind", async () => {
      const before = (await db.select({ n: count() }).from(outbox))[0].n;
      // A negative total breaks the order row's check, and with it the whole statement.
      await assert.rejects(place({ ...keyed("k-2"), totalCents: -1 }));
      assert.equal((await db.select({ n: count() }).from(outbox))[0].n, before);
      assert.equal(
        (await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, "k-2"))).length,
        0,
      );
      assert.equal((await db.select({ n: count() }).from(orderLines))[0].n, 4);
    });

    await t.step("a step and the change it brings, then the change's own step", async () => {
      const { orderId } = await place(order());
      const reserved = { orderId, type: "catalog.stock.reserved", source: "catalog" };
      const at = new Date().toISOString();
      const events = async () => (await db.select({ n: count() }).from(outbox))[0].n;
      const before = await events();
      assert.ok(await changeOrder({ ...reserved, at }, { to: "confirmed" }));
      const steps = await timelineOf(db, orderId);
      assert.deepEqual(steps.map((step) => step.type), [
        "orders.order.placed",
        "catalog.stock.reserved",
        "orders.order.confirmed",
      ]);
      assert.equal(
        (await db.select().from(orders).where(eq(orders.id, orderId)))[0].status,
        "confirmed",
      );
      assert.equal(await events(), before + 1);

      // Ended already: the step is still recorded, the order and the outbox are left alone.
      const refunded = { orderId, type: "payments.payment.refunded", source: "payments", at };
      const change = { to: "cancelled", reason: "out_of_stock" } as const;
      assert.equal(await changeOrder(refunded, change), false);
      assert.equal((await timelineOf(db, orderId)).length, 4);
      assert.equal(
        (await db.select().from(orders).where(eq(orders.id, orderId)))[0].status,
        "confirmed",
      );
      assert.equal(await events(), before + 1);
    });
  } finally {
    await databases.close();
  }
});

Deno.test("orders: a user's orders a page at a time, newest first, ties by id", async () => {
  const databases = await testDatabases();
  const { db } = await databases.open("orders");
  const userId = crypto.randomUUID();
  try {
    const placed: string[] = [];
    for (let i = 0; i < 4; i++) {
      const item = { productId: crypto.randomUUID(), quantity: 1, unitPriceCents: 100 * (i + 1) };
      const result = await ordersStore(db).place({
        userId,
        items: [item],
        totalCents: item.unitPriceCents,
        deadlineAt: new Date(Date.now() + 60_000),
      });
      placed.push(result.orderId);
    }
    // Three of them at the same instant: only their ids order them.
    await db.update(orders).set({ createdAt: new Date("2020-01-01T00:00:00Z") })
      .where(inArray(orders.id, placed.slice(0, 3)));
    const expected = [placed[3], ...placed.slice(0, 3).sort().reverse()];
    for (const limit of [1, 2, 3, 4]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 1;; pages++) {
        assert.ok(pages <= 4, "paging never ended");
        const page = await listOrders(db, userId, pageAsked({ limit, cursor }));
        assert.ok(page.items.length <= limit);
        for (const order of page.items) assert.equal(order.items.length, 1, "with its lines");
        seen.push(...page.items.map((order) => order.id));
        if (!(cursor = page.next)) break;
      }
      assert.deepEqual(seen, expected, `limit ${limit}`);
    }
  } finally {
    await databases.close();
  }
});
