/** The notifications table. */
import { desc, eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Database } from "../../db/client.ts";
import { statement } from "../../db/statement.ts";
import { notifications } from "../../db/notifications/schema.ts";
import type { Notification } from "../../shared/contracts/mod.ts";
import { awaitAtCommit } from "../../db/transaction.ts";

/** Nothing reads the answer: in a `transaction` it goes with the commit (db/transaction.ts). */
export function recordNotification(
  tx: Database,
  notification: { userId: string; orderId: string; kind: Notification["kind"]; message: string },
) {
  return awaitAtCommit(tx, () => insertNotification(tx, { id: uuidv7(), ...notification }));
}

// On the saga's hot path: built once (see db/statement.ts).
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

export async function notificationsFor(db: Database, userId: string): Promise<Notification[]> {
  const rows = await db.select().from(notifications).where(eq(notifications.userId, userId))
    .orderBy(desc(notifications.createdAt), desc(notifications.id)).limit(100);
  return rows.map((row) => ({
    id: row.id,
    orderId: row.orderId,
    kind: row.kind as Notification["kind"],
    message: row.message,
    at: row.createdAt.toISOString(),
  }));
}
