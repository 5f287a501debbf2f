/**
 * The payments service's tables, in its own Postgres schema. Money is integer cents in 64-bit
 * columns, so a refund always fits (deposits are capped well below, see `maxBalanceCents`), and it
 * is conserved: sum(deposits) = sum(balances) + sum(charges) - sum(refunds).
 */
import { sql } from "drizzle-orm";
import { bigint, check, pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { inboxTable } from "../../../shared/events/inbox.ts";
import { outboxTable } from "../../../shared/outbox/table.ts";

export const paymentsSchema = pgSchema("payments");

export const wallets = paymentsSchema.table("wallets", {
  userId: uuid("user_id").primaryKey(),
  balanceCents: bigint("balance_cents", { mode: "number" }).notNull(),
  openedAt: timestamp("opened_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [check("balance_never_negative", sql`${t.balanceCents} >= 0`)]);

/** Money in: the starting balance a wallet opens with, and every deposit after. */
export const deposits = paymentsSchema.table("deposits", {
  id: uuid("id").primaryKey(),
  userId: uuid("user_id").notNull().references(() => wallets.userId),
  /** opening or deposit */
  kind: text("kind").notNull(),
  amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [check("deposit_positive", sql`${t.amountCents} > 0`)]);

/** At most one charge per order: the primary key says so. */
export const charges = paymentsSchema.table("charges", {
  orderId: uuid("order_id").primaryKey(),
  userId: uuid("user_id").notNull().references(() => wallets.userId),
  amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
});

/** At most one refund per order, and only of a charge. */
export const refunds = paymentsSchema.table("refunds", {
  orderId: uuid("order_id").primaryKey().references(() => charges.orderId),
  userId: uuid("user_id").notNull(),
  amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Orders cancelled before payments charged them: a tombstone, so a late or re-driven
 * orders.order.placed of such an order is never charged.
 */
export const closedOrders = paymentsSchema.table("closed_orders", {
  orderId: uuid("order_id").primaryKey(),
  closedAt: timestamp("closed_at", { withTimezone: true }).notNull().defaultNow(),
});

export const outbox = outboxTable(paymentsSchema);
export const inbox = inboxTable(paymentsSchema);
