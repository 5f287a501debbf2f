/** The saga's invariants, read straight from each service's own tables. */
import { sum } from "drizzle-orm";
import { charges, deposits, refunds, wallets } from "../../db/payments/schema.ts";
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
