/**
 * The outbox table each publishing service keeps in its own schema: an event is written here in
 * the same transaction as the change that caused it, and the relay publishes it afterwards.
 */
import {
  bigserial,
  index,
  integer,
  type PgSchema,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";

/**
 * The outbox table (`<schema>.outbox`) of a service's Postgres schema: one row per event to
 * publish, in commit order (`seq`), with its subject, payload and headers, when it was published,
 * and the failures that park it; indexed on `seq` where unpublished and not parked (the relay's
 * query) and on `published_at` where published (the retention purge's).
 */
export function outboxTable(schema: PgSchema) {
  return schema.table("outbox", {
    /** The event id, also its `Nats-Msg-Id`: JetStream drops a re-publish of it. */
    id: uuid("id").primaryKey(),
    /** Commit order, so the relay publishes in the order the facts happened. */
    seq: bigserial("seq", { mode: "number" }).notNull(),
    subject: text("subject").notNull(),
    /** The envelope as JSON text, published byte for byte. */
    payload: text("payload").notNull(),
    /** The trace context of the change that caused it (traceparent...), as JSON headers. */
    headers: text("headers"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp("published_at", { withTimezone: true }),
    /** Failed publishes of this row so far; past the relay's limit the row is parked. */
    attempts: integer("attempts").notNull().default(0),
    /** The last publish error, without the payload (see `errorText`). */
    lastError: text("last_error"),
    /**
     * Set when the row can never be published as it is (too big for the server, or failing past
     * the limit): the relay skips it, and an operator re-queues or discards it.
     */
    parkedAt: timestamp("parked_at", { withTimezone: true }),
  }, (t) => [
    index("outbox_unpublished").on(t.seq).where(
      sql`${t.publishedAt} is null and ${t.parkedAt} is null`,
    ),
    // The retention purge's query: published rows by age (shared/outbox/purge.ts).
    index("outbox_published").on(t.publishedAt).where(sql`${t.publishedAt} is not null`),
  ]);
}

/** The Drizzle table `outboxTable` makes. */
export type OutboxTable = ReturnType<typeof outboxTable>;
