/** The history read model beside the truth it folds: the orders service's own table. */
import assert from "node:assert/strict";
import { asc } from "drizzle-orm";
import { orderHistory } from "../../services/history/db/schema.ts";
import { orders } from "../../services/orders/db/schema.ts";
import type { Stack } from "./stack.ts";

/** Every row of history's read model, by order id. */
export const projection = async (stack: Stack) =>
  await (await stack.database("history")).db.select().from(orderHistory)
    .orderBy(asc(orderHistory.orderId));

/**
 * Waits until history has seen every order end as the orders service says it ended, and answers
 * its rows; fails the test after `timeoutMs` (15 s) with the difference.
 */
export async function caughtUp(stack: Stack, timeoutMs = 15_000) {
  const ordersDb = (await stack.database("orders")).db;
  const until = Date.now() + timeoutMs;
  while (true) {
    const truth = await ordersDb.select({ id: orders.id, status: orders.status }).from(orders)
      .orderBy(asc(orders.id));
    const rows = await projection(stack);
    const seen = rows.map((row) => ({ id: row.orderId, status: row.status }));
    if (JSON.stringify(seen) === JSON.stringify(truth)) return rows;
    if (Date.now() > until) assert.deepEqual(seen, truth, "history never caught up");
    await new Promise((r) => setTimeout(r, 50));
  }
}
