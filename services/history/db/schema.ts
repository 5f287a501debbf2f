/**
 * The history service's tables, in its own Postgres schema. Everything here is built from the
 * ORDERS stream alone: `deno task ops replay history --rebuild` empties it and builds it again.
 */
import { bigint, index, integer, pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { inboxTable } from "../../../shared/events/inbox.ts";

export const historySchema = pgSchema("history");

/** One row per order, as its events tell it. */
export const orderHistory = historySchema.table("order_history", {
  orderId: uuid("order_id").primaryKey(),
  userId: uuid("user_id").notNull(),
  status: text("status").notNull(),
  reason: text("reason"),
  totalCents: bigint("total_cents", { mode: "number" }).notNull(),
  itemCount: integer("item_count").notNull(),
  /** Event times, never the clock of the moment it was written: a rebuild gives the same. */
  placedAt: timestamp("placed_at", { withTimezone: true }).notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
}, (t) => [
  // A user's history, newest first, a page at a time: the whole keyset, NULLS FIRST as ORDER BY
  // ... DESC means (drizzle's default, NULLS LAST, has Postgres sort the rows instead).
  index("order_history_by_user").on(
    t.userId,
    t.placedAt.desc().nullsFirst(),
    t.orderId.desc().nullsFirst(),
  ),
]);

export const inbox = inboxTable(historySchema);
