/** The notifications service's tables, in its own Postgres schema. */
import { index, pgSchema, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { inboxTable } from "../../../shared/events/inbox.ts";

export const notificationsSchema = pgSchema("notifications");

/** Notifications sent; the email itself is simulated, the stored message is the record. */
export const notifications = notificationsSchema.table("notifications", {
  id: uuid("id").primaryKey(),
  userId: uuid("user_id").notNull(),
  orderId: uuid("order_id").notNull(),
  kind: text("kind").notNull(),
  message: text("message").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  unique("one_per_order_and_kind").on(t.orderId, t.kind),
  // A user's notifications, newest first, a page at a time: the whole keyset, NULLS FIRST as
  // ORDER BY ... DESC means (drizzle's default, NULLS LAST, has Postgres sort the rows instead).
  index("notifications_by_user").on(
    t.userId,
    t.createdAt.desc().nullsFirst(),
    t.id.desc().nullsFirst(),
  ),
]);

export const inbox = inboxTable(notificationsSchema);
