import assert from "node:assert/strict";
import { testDatabases } from "../../tests/harness/databases.ts";
import { sql } from "drizzle-orm";
import { orderHistory } from "./db/schema.ts";
import { pageAsked } from "../../shared/contracts/mod.ts";
import { historyOf, insertRow, totalsOf } from "./store.ts";
import type { HistoryRow } from "./projection.ts";

Deno.test("history: a user's orders a page at a time, totals over all of them", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("history");
  const userId = crypto.randomUUID();
  const row = (placedAt: string, status: HistoryRow["status"], totalCents: number): HistoryRow => ({
    orderId: crypto.randomUUID(),
    userId,
    status,
    reason: status === "cancelled" ? "payment_declined" : null,
    totalCents,
    itemCount: 1,
    placedAt,
    updatedAt: placedAt,
  });
  // Seven orders, five of them placed in the same millisecond: only the id tells those apart.
  const tie = "2020-01-01T04:00:00.123Z";
  const rows = [
    row("2020-01-01T03:00:00.000Z", "confirmed", 1200),
    ...Array.from({ length: 5 }, (_, i) => row(tie, i % 2 ? "cancelled" : "confirmed", 100)),
    row("2020-01-01T05:00:00.000Z", "pending", 700),
  ];
  const newestFirst = [...rows].sort((a, b) =>
    b.placedAt.localeCompare(a.placedAt) || b.orderId.localeCompare(a.orderId)
  ).map((r) => r.orderId);
  const all = async (limit: number, between?: () => Promise<void>) => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await historyOf(db, userId, pageAsked({ limit, cursor }));
      assert.ok(page.orders.length <= limit);
      seen.push(...page.orders.map((o) => o.orderId));
      cursor = page.next;
      await between?.();
    } while (cursor);
    return seen;
  };
  try {
    for (const r of rows) await insertRow(db, r);
    await insertRow(db, { ...row(tie, "confirmed", 5), userId: crypto.randomUUID() });

    await t.step("every order once, newest first, ties in placed_at by id", async () => {
      for (const limit of [1, 2, 3, 7, 50]) assert.deepEqual(await all(limit), newestFirst);
      const whole = await historyOf(db, userId, pageAsked({ limit: 7 }));
      assert.equal(whole.next, undefined, "no next page after the last row");
    });

    await t.step("orders placed meanwhile do not shift the pages", async () => {
      let added = 0;
      const seen = await all(2, async () => {
        if (added++ < 2) await insertRow(db, row(new Date().toISOString(), "pending", 1));
      });
      assert.deepEqual(seen, newestFirst);
    });

    await t.step("totals come from every row, not from the page", async () => {
      const page = await historyOf(db, userId, pageAsked({ limit: 1 }));
      assert.equal(page.orders.length, 1);
      assert.deepEqual(await totalsOf(db, userId), {
        orders: 9,
        pending: 3,
        confirmed: 4,
        cancelled: 2,
        confirmedCents: 1200 + 3 * 100,
      });
      assert.deepEqual(await totalsOf(db, crypto.randomUUID()), {
        orders: 0,
        pending: 0,
        confirmed: 0,
        cancelled: 0,
        confirmedCents: 0,
      });
    });

    await t.step("a cursor keeps the database's microseconds", async () => {
      // Times from the database's clock have microseconds, which a JS Date would drop.
      const micro = row(tie, "pending", 1);
      await insertRow(db, micro);
      await db.execute(sql`update ${orderHistory} set placed_at = placed_at
        + interval '456 microseconds' where order_id = ${micro.orderId}`);
      // Newest first: the two placed meanwhile, the one at 05:00, then this one.
      const first = await historyOf(db, userId, pageAsked({ limit: 4 }));
      const keyOf = (cursor: string) => pageAsked({ cursor }).after!;
      assert.deepEqual(keyOf(first.next!), {
        at: "2020-01-01T04:00:00.123456Z",
        id: micro.orderId,
      });
      const seen = await all(3);
      assert.equal(seen.length, 10);
      assert.equal(new Set(seen).size, 10);
    });
  } finally {
    await databases.close();
  }
});
