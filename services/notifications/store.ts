/** The notifications table. */
import { and, desc, eq, getTableColumns } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Database } from "../../shared/db/client.ts";
import { statement } from "../../shared/db/statement.ts";
import { notifications } from "./db/schema.ts";
import { exactTime, olderThan } from "../../shared/db/paging.ts";
import { type Notification, type PageKey, pageOf } from "../../shared/contracts/mod.ts";
import { awaitAtCommit } from "../../shared/db/transaction.ts";

/** Nothing reads the answer: in a `transaction` it goes with the commit (shared/db/transaction.ts). */
export function recordNotification(
  tx: Database,
  notification: { userId: string; orderId: string; kind: Notification["kind"]; message: string },
) {
  return awaitAtCommit(tx, () => insertNotification(tx, { id: uuidv7(), ...notification }));
}

// On the saga's hot path: built once (see shared/db/statement.ts).
const insertNotification = statement(
  "notifications_insert",
  (db, p) =>
    db.insert(notifications).values({
      id: p.id,
      userId: p.userId,
      orderId: p.orderId,
      kind: p.kind,
      message: p.message,
    }).onConflictDoNothing(),
);

/**
 * One page of the user's notifications, newest first (created_at desc, id desc: the
 * notifications_by_user index), after `page.after` when given (shared/contracts/paging.ts).
 */
export async function notificationsFor(
  db: Database,
  userId: string,
  page: { limit: number; after?: PageKey },
): Promise<{ items: Notification[]; next?: string }> {
  const rows = await db.select({
    ...getTableColumns(notifications),
    key: exactTime(notifications.createdAt),
  })
    .from(notifications)
    .where(and(
      eq(notifications.userId, userId),
      olderThan(notifications.createdAt, notifications.id, page.after),
    ))
    .orderBy(desc(notifications.createdAt), desc(notifications.id)).limit(page.limit + 1);
  const { items, next } = pageOf(rows, page.limit, (row) => ({ at: row.key, id: row.id }));
  return {
    items: items.map((row) => ({
      id: row.id,
      orderId: row.orderId,
      kind: row.kind as Notification["kind"],
      message: row.message,
      at: row.createdAt.toISOString(),
    })),
    ...(next ? { next } : {}),
  };
}
