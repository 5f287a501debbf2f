/** Wallets and the money that moves through them; every change in the caller's transaction. */
import { and, eq, gte, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Database } from "../../db/client.ts";
import { statement } from "../../db/statement.ts";
import { charges, deposits, refunds, wallets } from "../../db/payments/schema.ts";

// The statement of the saga's hot path, built once (see db/statement.ts). The amount is taken
// only if the balance covers it (a conditional update: no overdraft race), and the charge is
// written only if it was taken: one statement, no read first.
const chargeWallet = statement("payments_charge_wallet", (db, p) => {
  const taken = db.$with("taken").as(
    db.update(wallets)
      .set({ balanceCents: sql`${wallets.balanceCents} - ${p.amountCents}` })
      .where(and(eq(wallets.userId, p.userId), gte(wallets.balanceCents, p.amountCents)))
      .returning({ balanceCents: wallets.balanceCents }),
  );
  return db.with(taken).insert(charges)
    .select(
      sql`select ${p.orderId}::uuid, ${p.userId}::uuid, ${p.amountCents}::int, now() from taken`,
    )
    .returning({ balanceCents: sql<number>`(select balance_cents from taken)` });
});

/** Opens the user's wallet with the starting balance, once; later calls change nothing. */
export async function openWallet(tx: Database, userId: string, startingCents: number) {
  const [opened] = await tx.insert(wallets).values({ userId, balanceCents: startingCents })
    .onConflictDoNothing().returning({ userId: wallets.userId });
  if (opened && startingCents > 0) {
    await tx.insert(deposits).values({
      id: uuidv7(),
      userId,
      kind: "opening",
      amountCents: startingCents,
    });
  }
}

export async function balanceOf(db: Database, userId: string): Promise<number | null> {
  const [wallet] = await db.select({ balanceCents: wallets.balanceCents }).from(wallets)
    .where(eq(wallets.userId, userId));
  return wallet?.balanceCents ?? null;
}

export async function deposit(tx: Database, userId: string, amountCents: number) {
  await tx.insert(deposits).values({ id: uuidv7(), userId, kind: "deposit", amountCents });
  const [wallet] = await tx.update(wallets)
    .set({ balanceCents: sql`${wallets.balanceCents} + ${amountCents}` })
    .where(eq(wallets.userId, userId)).returning({ balanceCents: wallets.balanceCents });
  return wallet.balanceCents;
}

export type ChargeResult =
  | { charged: true; balanceCents: number }
  /** `balanceCents` null: the user has no wallet yet. */
  | { charged: false; balanceCents: number | null };

/** Takes the amount and records the order's charge, if the balance covers it. */
export async function takePayment(
  tx: Database,
  charge: { orderId: string; userId: string; amountCents: number },
): Promise<ChargeResult> {
  const [after] = await chargeWallet(tx, charge);
  if (after) return { charged: true, balanceCents: after.balanceCents };
  const balanceCents = await balanceOf(tx, charge.userId);
  // The registration's transaction committed the wallet after the update looked: charge it.
  if (balanceCents !== null && balanceCents >= charge.amountCents) return takePayment(tx, charge);
  return { charged: false, balanceCents };
}

/** Gives back the order's charge, once. Null when there was no charge or it was refunded. */
export async function refundOrder(tx: Database, orderId: string) {
  const [charge] = await tx.select().from(charges).where(eq(charges.orderId, orderId));
  if (!charge) return null;
  const [refund] = await tx.insert(refunds).values({
    orderId,
    userId: charge.userId,
    amountCents: charge.amountCents,
  }).onConflictDoNothing().returning();
  if (!refund) return null;
  await tx.update(wallets)
    .set({ balanceCents: sql`${wallets.balanceCents} + ${refund.amountCents}` })
    .where(eq(wallets.userId, refund.userId));
  return refund;
}
