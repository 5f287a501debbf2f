/**
 * Money and counts stay exact and fit their columns: the largest order's total is a safe integer,
 * the balance ceiling leaves room for refunds, and one more line, unit or cent is refused.
 */
import assert from "node:assert/strict";
import { orderId, productId, userId } from "./examples.ts";
import {
  maxBalanceCents,
  maxDepositCents,
  maxOrderLines,
  maxOrderTotalCents,
  maxPriceCents,
  maxQuantity,
  orderPlaced,
  ordersApi,
  paymentsApi,
} from "./mod.ts";

Deno.test("contracts: money and counts stay exact and fit their columns", async (t) => {
  await t.step("the largest order's total is a safe integer, and the contracts take it", () => {
    assert.ok(Number.isSafeInteger(maxOrderTotalCents));
    const line = { productId, quantity: maxQuantity, unitPriceCents: maxPriceCents };
    const lines = Array.from({ length: maxOrderLines }, () => line);
    const total = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
    assert.equal(total, maxOrderTotalCents);
    orderPlaced.schema.shape.data.parse({ orderId, userId, items: lines, totalCents: total });
  });
  await t.step("the balance ceiling leaves room below 2^53 for refunds in flight", () => {
    // Past the ceiling only by refunds of charges in flight, each paid by deposits made after
    // the balance was charged: reaching 2^53 takes millions of the largest deposits.
    assert.ok((Number.MAX_SAFE_INTEGER - maxBalanceCents) / maxDepositCents > 1_000_000);
  });
  await t.step("one more line, unit, or cent is refused", () => {
    const placed = ordersApi.endpoints.placeOrder.request;
    const line = { productId, quantity: 1 };
    assert.equal(
      placed.safeParse({ userId, items: Array(maxOrderLines + 1).fill(line) }).success,
      false,
    );
    assert.equal(
      placed.safeParse({ userId, items: [{ productId, quantity: maxQuantity + 1 }] }).success,
      false,
    );
    const deposit = paymentsApi.endpoints.deposit.request;
    assert.equal(deposit.safeParse({ userId, amountCents: maxDepositCents }).success, true);
    assert.equal(deposit.safeParse({ userId, amountCents: maxDepositCents + 1 }).success, false);
    assert.equal(deposit.safeParse({ userId, amountCents: 1.5 }).success, false);
  });
});
