/** The saga's invariants, read straight from each service's own tables. */
import assert from "node:assert/strict";
import { sum } from "drizzle-orm";
import { products, reservations } from "../../services/catalog/db/schema.ts";
import { orders } from "../../services/orders/db/schema.ts";
import { charges, deposits, refunds, wallets } from "../../services/payments/db/schema.ts";
import type { Stack } from "./stack.ts";

/** Every cent that came in, and where it is now: deposits = balances + charges - refunds. */
export async function moneyLedger(stack: Stack) {
  const { db } = await stack.database("payments");
  const [[d], [b], [c], [r]] = await Promise.all([
    db.select({ total: sum(deposits.amountCents) }).from(deposits),
    db.select({ total: sum(wallets.balanceCents) }).from(wallets),
    db.select({ total: sum(charges.amountCents) }).from(charges),
    db.select({ total: sum(refunds.amountCents) }).from(refunds),
  ]);
  return {
    deposits: Number(d.total ?? 0),
    balances: Number(b.total ?? 0),
    charges: Number(c.total ?? 0),
    refunds: Number(r.total ?? 0),
  };
}

/**
 * The saga's invariants over every order: each ended; a confirmed order has exactly one charge
 * and one live reservation and no refund; a cancelled order that was charged has exactly one
 * refund and no live reservation; stock never below zero; money conserved.
 */
export async function assertSagaInvariants(stack: Stack) {
  const orderRows = await (await stack.database("orders")).db.select({
    id: orders.id,
    status: orders.status,
    totalCents: orders.totalCents,
  }).from(orders);
  const payments = (await stack.database("payments")).db;
  const catalog = (await stack.database("catalog")).db;
  const chargeRows = await payments.select().from(charges);
  const refundRows = await payments.select().from(refunds);
  const reservationRows = await catalog.select().from(reservations);
  const stock = await catalog.select({ stock: products.stock }).from(products);

  const chargesOf = countBy(chargeRows.map((row) => row.orderId));
  const refundsOf = countBy(refundRows.map((row) => row.orderId));
  const live = new Set(
    reservationRows.filter((r) => r.status === "reserved").map((r) => r.orderId),
  );
  for (const order of orderRows) {
    assert.notEqual(order.status, "pending", `order ${order.id} never ended`);
    const charged = chargesOf.get(order.id) ?? 0;
    const refunded = refundsOf.get(order.id) ?? 0;
    if (order.status === "confirmed") {
      assert.equal(charged, 1, `confirmed ${order.id}: charges`);
      assert.equal(refunded, 0, `confirmed ${order.id}: refunds`);
      assert.ok(live.has(order.id), `confirmed ${order.id}: no reservation`);
    } else {
      assert.ok(!live.has(order.id), `cancelled ${order.id} holds stock`);
      assert.equal(
        refunded,
        charged,
        `cancelled ${order.id}: ${charged} charges, ${refunded} refunds`,
      );
    }
  }
  assert.ok(stock.every((row) => row.stock >= 0), "stock below zero");
  const ledger = await moneyLedger(stack);
  assert.equal(ledger.deposits, ledger.balances + ledger.charges - ledger.refunds, "money");
  return countBy(orderRows.map((row) => row.status));
}

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}
