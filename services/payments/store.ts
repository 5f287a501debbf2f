/**
 * Wallets and the money that moves through them; every change in the caller's transaction.
 * Money comes in under a ceiling (`maxBalanceCents`, shared/contracts/limits.ts): a deposit or an
 * opening balance that would pass it is refused. Money given back (a refund) is never refused:
 * the columns are 64-bit, far above the ceiling.
 */
import { and, eq, gte, isNull, lte, notExists, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Database } from "../../shared/db/client.ts";
import { statement } from "../../shared/db/statement.ts";
import { charges, closedOrders, deposits, refunds, wallets } from "./db/schema.ts";
import { awaitAtCommit } from "../../shared/db/transaction.ts";
import { maxBalanceCents } from "../../shared/contracts/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";

// The statement of the saga's hot path, built once (see shared/db/statement.ts). The amount is taken
// only if the balance covers it (a conditional update: no overdraft race) and the order was not
// closed before (its tombstone, see `closedOrders`), and the charge is written only if it was
// taken: one statement, no read first.
const chargeWallet = statement("payments_charge_wallet", (db, p) => {
  const closed = db.select({ orderId: closedOrders.orderId }).from(closedOrders)
    .where(eq(closedOrders.orderId, p.orderId));
  const taken = db.$with("taken").as(
    db.update(wallets)
      .set({ balanceCents: sql`${wallets.balanceCents} - ${p.amountCents}` })
      .where(
        and(
          eq(wallets.userId, p.userId),
          gte(wallets.balanceCents, p.amountCents),
          notExists(closed),
        ),
      )
      .returning({ balanceCents: wallets.balanceCents }),
  );
  // Raw SQL is not mapped by a column: postgres.js answers a bigint as a string, so say how.
  return db.with(taken).insert(charges)
    .select(
      sql`select ${p.orderId}::uuid, ${p.userId}::uuid, ${p.amountCents}::bigint, now() from taken`,
    )
    .returning({
      balanceCents: sql`(select balance_cents from taken)`.mapWith(wallets.balanceCents),
    });
});

/**
 * Opens the user's wallet with the starting balance, once; later calls change nothing.
 * Throws RangeError when `startingCents` is past `maxBalanceCents` (the config refuses it first).
 */
export async function openWallet(tx: Database, userId: string, startingCents: number) {
  if (!(startingCents <= maxBalanceCents)) {
    throw new RangeError(`a wallet opens with at most ${maxBalanceCents} cents`);
  }
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

/**
 * Adds `amountCents` to the user's open wallet and records the deposit; the balance after it.
 * Throws ServiceError `unprocessable` (details: the field, the balance and the ceiling) when the
 * balance would pass `maxBalanceCents`; then nothing changed. The check is part of the update,
 * so two deposits at once cannot pass the ceiling together.
 */
export async function deposit(tx: Database, userId: string, amountCents: number) {
  const [wallet] = await tx.update(wallets)
    .set({ balanceCents: sql`${wallets.balanceCents} + ${amountCents}` })
    .where(
      and(eq(wallets.userId, userId), lte(wallets.balanceCents, maxBalanceCents - amountCents)),
    )
    .returning({ balanceCents: wallets.balanceCents });
  if (!wallet) {
    const balanceCents = await balanceOf(tx, userId);
    if (balanceCents === null) throw new Error("deposit into a wallet that is not open");
    throw new ServiceError(
      "unprocessable",
      `the deposit would take the balance past its ceiling of ${maxBalanceCents} cents`,
      { field: "amountCents", balanceCents, maxBalanceCents },
    );
  }
  await tx.insert(deposits).values({ id: uuidv7(), userId, kind: "deposit", amountCents });
  return wallet.balanceCents;
}

export type ChargeResult =
  | { charged: true; balanceCents: number }
  /** `balanceCents` null: the user has no wallet yet. */
  | { charged: false; balanceCents: number | null }
  /** The order was cancelled before it was charged (a late or re-driven charge): never taken. */
  | { charged: false; closed: true };

/**
 * Takes the amount and records the order's charge, if the balance covers it and the order was not
 * closed (`closeOrder`) before.
 */
export async function takePayment(
  tx: Database,
  charge: { orderId: string; userId: string; amountCents: number },
): Promise<ChargeResult> {
  const [after] = await chargeWallet(tx, charge);
  if (after) return { charged: true, balanceCents: after.balanceCents };
  // Off the hot path: only a charge not taken asks why.
  if (await isClosed(tx, charge.orderId)) return { charged: false, closed: true };
  const balanceCents = await balanceOf(tx, charge.userId);
  // The registration's transaction committed the wallet after the update looked: charge it.
  if (balanceCents !== null && balanceCents >= charge.amountCents) return takePayment(tx, charge);
  return { charged: false, balanceCents };
}

/**
 * Records that the order was cancelled before payments charged it: its tombstone, so a late or
 * re-driven orders.order.placed is never charged. Once; nothing reads the answer.
 */
export function closeOrder(tx: Database, orderId: string) {
  return awaitAtCommit(
    tx,
    () => tx.insert(closedOrders).values({ orderId }).onConflictDoNothing(),
  );
}

/**
 * Whether the order's charge is still to be given back: charged and not refunded. What a refund
 * given up on leaves owed; false when it was refunded meanwhile (by the other path) or never
 * charged, and then there is nothing to state as failed.
 */
export async function refundOwed(tx: Database, orderId: string): Promise<boolean> {
  const [owed] = await tx.select({ orderId: charges.orderId }).from(charges)
    .leftJoin(refunds, eq(refunds.orderId, charges.orderId))
    .where(and(eq(charges.orderId, orderId), isNull(refunds.orderId)));
  return owed !== undefined;
}

async function isClosed(tx: Database, orderId: string): Promise<boolean> {
  const [closed] = await tx.select({ orderId: closedOrders.orderId }).from(closedOrders)
    .where(eq(closedOrders.orderId, orderId));
  return closed !== undefined;
}

/**
 * Gives back the order's charge, once. Null when there was no charge or it was refunded. Never
 * refused for the ceiling: a compensation must always apply (the balance may pass it).
 */
export async function refundOrder(tx: Database, orderId: string) {
  const [charge] = await tx.select().from(charges).where(eq(charges.orderId, orderId));
  return charge ? await refundCharge(tx, charge) : null;
}

/**
 * As `refundOrder`, for an order that was cancelled: one never charged is closed (`closeOrder`),
 * so its charge can never come later.
 */
export async function refundOrClose(tx: Database, orderId: string) {
  const [charge] = await tx.select().from(charges).where(eq(charges.orderId, orderId));
  if (charge) return await refundCharge(tx, charge);
  await closeOrder(tx, orderId);
  return null;
}

async function refundCharge(tx: Database, charge: typeof charges.$inferSelect) {
  // Once even when two refunds race (a rejection's and a cancellation's, from two streams): the
  // second insert waits for the first one's commit, then does nothing.
  const [refund] = await tx.insert(refunds).values({
    orderId: charge.orderId,
    userId: charge.userId,
    amountCents: charge.amountCents,
  }).onConflictDoNothing().returning();
  if (!refund) return null;
  await tx.update(wallets)
    .set({ balanceCents: sql`${wallets.balanceCents} + ${refund.amountCents}` })
    .where(eq(wallets.userId, refund.userId));
  return refund;
}
