/** The order_history table: a row per order, read and written as the projection says. */
import { and, count, desc, eq, getTableColumns, sql } from "drizzle-orm";
import type { Database } from "../../shared/db/client.ts";
import { type Placeholders, statement } from "../../shared/db/statement.ts";
import { orderHistory } from "./db/schema.ts";
import { exactTime, olderThan } from "../../shared/db/paging.ts";
import {
  type CancelReason,
  type historyApi,
  type OrderHistoryEntry,
  type PageKey,
  pageOf,
  type ReplyOf,
} from "../../shared/contracts/mod.ts";
import type { HistoryRow } from "./projection.ts";
import { awaitAtCommit } from "../../shared/db/transaction.ts";

type Stored = typeof orderHistory.$inferSelect;
type HistoryTotals = ReplyOf<typeof historyApi.endpoints.orderHistory>["totals"];

const rowOf = (stored: Stored): HistoryRow => ({
  orderId: stored.orderId,
  userId: stored.userId,
  status: stored.status as HistoryRow["status"],
  reason: stored.reason as CancelReason | null,
  totalCents: stored.totalCents,
  itemCount: stored.itemCount,
  placedAt: stored.placedAt.toISOString(),
  updatedAt: stored.updatedAt.toISOString(),
});

export async function findRow(tx: Database, orderId: string): Promise<HistoryRow | undefined> {
  const [stored] = await rowForUpdate(tx, { orderId });
  return stored ? rowOf(stored) : undefined;
}

const columnsOf = (row: HistoryRow) => ({
  ...row,
  placedAt: new Date(row.placedAt),
  updatedAt: new Date(row.updatedAt),
});

/** False when the row exists already: another writer created it first. */
export async function insertRow(tx: Database, row: HistoryRow): Promise<boolean> {
  const inserted = await insertIfNew(tx, columnsOf(row));
  return inserted.length > 0;
}

/** Nothing reads the answer: in a `transaction` it goes with the commit (shared/db/transaction.ts). */
export function updateRow(tx: Database, row: HistoryRow): Promise<void> {
  return awaitAtCommit(tx, () => update(tx, columnsOf(row)));
}

// The statements of each event's fold, built once (see shared/db/statement.ts).
const rowForUpdate = statement(
  "history_row_for_update",
  (db, p) =>
    db.select().from(orderHistory).where(eq(orderHistory.orderId, p.orderId)).for("update"),
);
const columns = (p: Placeholders) => ({
  orderId: p.orderId,
  userId: p.userId,
  status: p.status,
  reason: p.reason,
  totalCents: p.totalCents,
  itemCount: p.itemCount,
  placedAt: p.placedAt,
  updatedAt: p.updatedAt,
});
const insertIfNew = statement(
  "history_insert",
  (db, p) =>
    db.insert(orderHistory).values(columns(p)).onConflictDoNothing()
      .returning({ orderId: orderHistory.orderId }),
);
const update = statement(
  "history_update",
  (db, p) => db.update(orderHistory).set(columns(p)).where(eq(orderHistory.orderId, p.orderId)),
);

/**
 * One page of the user's orders, newest first (placed_at desc, order_id desc), after
 * `page.after` when given; `next` names the page after it (shared/contracts/paging.ts).
 */
export async function historyOf(
  db: Database,
  userId: string,
  page: { limit: number; after?: PageKey },
): Promise<{ orders: OrderHistoryEntry[]; next?: string }> {
  const stored = await db.select({
    ...getTableColumns(orderHistory),
    key: exactTime(orderHistory.placedAt),
  }).from(orderHistory)
    .where(and(
      eq(orderHistory.userId, userId),
      olderThan(orderHistory.placedAt, orderHistory.orderId, page.after),
    ))
    .orderBy(desc(orderHistory.placedAt), desc(orderHistory.orderId)).limit(page.limit + 1);
  const { items, next } = pageOf(stored, page.limit, (row) => ({ at: row.key, id: row.orderId }));
  const orders = items.map(rowOf).map(({ userId: _, reason, ...entry }) => ({
    ...entry,
    ...(reason ? { reason } : {}),
  }));
  return { orders, ...(next ? { next } : {}) };
}

/**
 * What all of the user's orders add up to, counted by the database over every row (not summed
 * from a page). Counts and the sum come back from Postgres as bigint and numeric: mapped to
 * numbers, exact while below 2^53 (money is bounded far below that: shared/contracts).
 */
export async function totalsOf(db: Database, userId: string): Promise<HistoryTotals> {
  const of = (status: string) => sql`filter (where ${orderHistory.status} = ${status})`;
  const counted = (status: string) => sql<number>`count(*) ${of(status)}`.mapWith(Number);
  const [totals] = await db.select({
    orders: count(),
    pending: counted("pending"),
    confirmed: counted("confirmed"),
    cancelled: counted("cancelled"),
    confirmedCents: sql<number>`coalesce(sum(${orderHistory.totalCents}) ${of("confirmed")}, 0)`
      .mapWith(Number),
  }).from(orderHistory).where(eq(orderHistory.userId, userId));
  return totals;
}
