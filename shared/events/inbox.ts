/**
 * The inbox each consuming service keeps in its own schema: one row per event it has applied,
 * written in the same transaction as the handler's effects. A redelivery, or a re-publish
 * after the stream's duplicate window, finds the row and changes nothing.
 */
import { type PgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { Database } from "../../db/client.ts";

export function inboxTable(schema: PgSchema) {
  return schema.table("inbox", {
    eventId: uuid("event_id").primaryKey(),
    type: text("type").notNull(),
    handledAt: timestamp("handled_at", { withTimezone: true }).notNull().defaultNow(),
  });
}

export type InboxTable = ReturnType<typeof inboxTable>;

export type HandleOutcome = "applied" | "duplicate";

/** Runs `effects` once per event id: inside one transaction with the inbox row. */
export function handleOnce(
  db: Database,
  inbox: InboxTable,
  event: { id: string; type: string },
  effects: (tx: Database) => Promise<void>,
): Promise<HandleOutcome> {
  return db.transaction(async (tx) => {
    const [first] = await tx.insert(inbox).values({ eventId: event.id, type: event.type })
      .onConflictDoNothing().returning({ eventId: inbox.eventId });
    if (!first) return "duplicate";
    await effects(tx);
    return "applied";
  });
}
