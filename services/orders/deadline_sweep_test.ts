import assert from "node:assert/strict";
import { eq, inArray } from "drizzle-orm";
import { orders, outbox, timeline } from "./db/schema.ts";
import type { OutboxRow } from "../../shared/outbox/mod.ts";
import { transactionFor } from "../../shared/runtime/mod.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { expireOverdue, type NewOrder, placeOrder, stepThenChange } from "./store.ts";

Deno.test("orders: the deadline sweep cancels pending orders past their deadline, only those", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("orders");
  const relay = { stored: (_: OutboxRow[]) => {}, committed: () => {} };
  const transaction = transactionFor({ service: "orders", db, outbox, relay }, "c-sweep");
  const userId = crypto.randomUUID();
  const now = new Date();
  const place = async (deadlineAt: Date) => {
    const order: NewOrder = {
      userId,
      items: [{ productId: crypto.randomUUID(), quantity: 1, unitPriceCents: 100 }],
      totalCents: 100,
      deadlineAt,
    };
    const placed = await transaction(
      ({ tx, publish }) => placeOrder(tx, order, publish),
      { singleStatement: true },
    );
    return placed.orderId;
  };
  const sweep = (limit = 100) =>
    transaction(({ tx, publish }) => expireOverdue(tx, { now, limit }, publish));
  const statusOf = async (id: string) =>
    (await db.select().from(orders).where(eq(orders.id, id)))[0];
  try {
    const overdue = await place(new Date(now.getTime() - 1000));
    const atDeadline = await place(now);
    const notYet = await place(new Date(now.getTime() + 60_000));
    const confirmed = await place(new Date(now.getTime() - 1000));
    await transaction(({ tx, publish }) =>
      stepThenChange(
        tx,
        {
          orderId: confirmed,
          type: "catalog.stock.reserved",
          source: "catalog",
          at: now.toISOString(),
        },
        { to: "confirmed" },
        publish,
      )
    );

    await t.step(
      "overdue and due now: cancelled, timed_out, with their event and step",
      async () => {
        const expired = await sweep();
        assert.deepEqual(expired.map((e) => e.orderId).sort(), [overdue, atDeadline].sort());
        for (const id of [overdue, atDeadline]) {
          const row = await statusOf(id);
          assert.equal(row.status, "cancelled");
          assert.equal(row.reason, "timed_out");
        }
        const events = await db.select().from(outbox).where(
          eq(outbox.subject, "orders.order.cancelled"),
        );
        const cancelled = events.map((row) => JSON.parse(row.payload).data);
        assert.deepEqual(
          cancelled.map((data) => data.orderId).sort(),
          [overdue, atDeadline].sort(),
        );
        assert.ok(cancelled.every((data) => data.reason === "timed_out" && data.userId === userId));
        const steps = await db.select().from(timeline)
          .where(inArray(timeline.orderId, [overdue, atDeadline]));
        assert.equal(steps.filter((s) => s.type === "orders.order.cancelled").length, 2);
      },
    );

    await t.step("an order before its deadline, or one that ended, is left as it is", async () => {
      assert.equal((await statusOf(notYet)).status, "pending");
      assert.equal((await statusOf(confirmed)).status, "confirmed");
      assert.equal((await statusOf(confirmed)).reason, null);
      assert.deepEqual(await sweep(), [], "a second sweep finds nothing");
    });

    await t.step("a batch takes the oldest deadlines first, at most its limit", async () => {
      const later = await place(new Date(now.getTime() - 1000));
      const earlier = await place(new Date(now.getTime() - 5000));
      assert.deepEqual((await sweep(1)).map((e) => e.orderId), [earlier]);
      assert.deepEqual((await sweep(1)).map((e) => e.orderId), [later]);
    });
  } finally {
    await databases.close();
  }
});
