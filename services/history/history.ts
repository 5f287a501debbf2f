/** The order_history table: a row per order, read and written as the projection says. */
import { desc, eq } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { type Placeholders, statement } from "../../db/statement.ts";
import { orderHistory } from "../../db/history/schema.ts";
import type { CancelReason, OrderHistoryEntry } from "../../shared/contracts/mod.ts";
import type { HistoryRow } from "./projection.ts";
import { awaitAtCommit } from "../../db/transaction.ts";

type Stored = typeof orderHistory.$inferSelect;

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

/** Nothing reads the answer: in a `transaction` it goes with the commit (db/transaction.ts). */
export function updateRow(tx: Database, row: HistoryRow): Promise<void> {
  return awaitAtCommit(tx, () => update(tx, columnsOf(row)));
}

// The statements of each event's fold, built once (see db/statement.ts).
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

/** A user's orders, newest first. */
export async function historyOf(db: Database, userId: string): Promise<OrderHistoryEntry[]> {
  const stored = await db.select().from(orderHistory).where(eq(orderHistory.userId, userId))
    .orderBy(desc(orderHistory.placedAt), desc(orderHistory.orderId));
  return stored.map(rowOf).map(({ userId: _, reason, ...entry }) => ({
    ...entry,
    ...(reason ? { reason } : {}),
  }));
}
