/**
 * The inbox each consuming service keeps in its own schema: one row per event it has applied,
 * written in the same transaction as the handler's effects. A redelivery, or a re-publish
 * after the stream's duplicate window, finds the row and changes nothing.
 */
import { and, desc, eq, isNotNull } from "drizzle-orm";
import { bigint, index, type PgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { Database } from "../db/client.ts";
import { type Statement, statement } from "../db/statement.ts";
import { transaction } from "../db/transaction.ts";
import { eachInKeyOrder } from "./ordering.ts";

/**
 * The inbox table (`<schema>.inbox`) of a service's Postgres schema: `event_id` (uuid, primary
 * key), `type`, `handled_at` (indexed: the retention purge), and the `stream` and `stream_seq` the
 * event was read at (indexed: the consumer's resume position).
 */
export function inboxTable(schema: PgSchema) {
  return schema.table("inbox", {
    eventId: uuid("event_id").primaryKey(),
    type: text("type").notNull(),
    handledAt: timestamp("handled_at", { withTimezone: true }).notNull().defaultNow(),
    /**
     * Where the event was read (stream name and stream sequence), so a durable consumer that the
     * server lost is recreated from where this service really is. Null for rows written before.
     */
    stream: text("stream"),
    streamSeq: bigint("stream_seq", { mode: "number" }),
  }, (t) => [
    index("inbox_position").on(t.stream, t.streamSeq),
    // The retention purge's query: rows by age (shared/events/inbox_purge.ts).
    index("inbox_handled").on(t.handledAt),
  ]);
}

/** The Drizzle table `inboxTable` makes. */
export type InboxTable = ReturnType<typeof inboxTable>;

/** `applied`: the handler ran now; `duplicate`: the inbox held the event, nothing ran. */
export type HandleOutcome = "applied" | "duplicate";

/** An event to handle once: its id and type, and where it was read when it came from a stream. */
export interface InboxEntry {
  id: string;
  type: string;
  /** The stream it was read from and its sequence there: the consumer's resume position. */
  stream?: string | null;
  streamSeq?: number | null;
}

/**
 * Runs `effects` for each event, in the given order (with `keyOf`: within each key), once per
 * event id, all in one
 * transaction with their inbox rows (one insert for all of them): a batch costs one BEGIN, one
 * inbox statement and one COMMIT instead of that many per event. If any effect throws, nothing
 * of the batch is applied. `committed` hears of the transaction once it committed something.
 * With `keyOf`, only events of one key run one after another: the keys go side by side, so
 * their statements travel together (docs/database.md, "Pipelined statements"). Each row records the event's
 * stream and sequence when given: `resumePosition` reads them back.
 */
export async function handleEachOnce<E extends InboxEntry>(
  db: Database,
  inbox: InboxTable,
  events: E[],
  effects: (tx: Database, event: E) => Promise<void>,
  committed?: (tx: Database) => void,
  keyOf: (event: E) => string = () => "",
): Promise<HandleOutcome[]> {
  let applied: Database | undefined;
  const outcomes = await transaction(db, async (tx) => {
    applied = tx;
    const rows = [...new Map(events.map((e) => [e.id, e])).values()];
    const values = Object.fromEntries(
      rows.flatMap((e, i) => [
        [`id${i}`, e.id],
        [`type${i}`, e.type],
        [`stream${i}`, e.stream ?? null],
        [`seq${i}`, e.streamSeq ?? null],
      ]),
    );
    const inserted = await insertRows(inbox, rows.length)(tx, values);
    // An id the insert did not return was applied before; an id twice in the batch, once.
    const fresh = new Set(inserted.map((row) => row.eventId));
    const outcomes = events.map((event): HandleOutcome =>
      fresh.delete(event.id) ? "applied" : "duplicate"
    );
    const applying = events.filter((_, i) => outcomes[i] === "applied");
    await eachInKeyOrder(applying, keyOf, (event) => effects(tx, event));
    return outcomes;
  });
  if (applied && outcomes.includes("applied")) committed?.(applied);
  return outcomes;
}

// A statement per inbox and number of rows: the SQL names every row's parameters.
const inserts = new WeakMap<InboxTable, Map<number, Statement<{ eventId: string }[]>>>();

function insertRows(inbox: InboxTable, count: number) {
  const bySize = inserts.get(inbox) ?? inserts.set(inbox, new Map()).get(inbox)!;
  if (!bySize.has(count)) {
    bySize.set(
      count,
      statement(`inbox_insert_${count}`, (db, p) =>
        db.insert(inbox)
          .values(
            Array.from(
              { length: count },
              (_, i) => ({
                eventId: p[`id${i}`],
                type: p[`type${i}`],
                stream: p[`stream${i}`],
                streamSeq: p[`seq${i}`],
              }),
            ),
          )
          .onConflictDoNothing().returning({ eventId: inbox.eventId })),
    );
  }
  return bySize.get(count)!;
}

/**
 * Where this service really is in `stream`: the highest stream sequence it applied, and when
 * (null when it applied nothing from it, or only before positions were recorded). A durable
 * consumer the server lost is recreated from here (see consumer.ts).
 */
export async function resumePosition(
  db: Database,
  inbox: InboxTable,
  stream: string,
): Promise<{ seq: number; handledAt: Date } | null> {
  const [row] = await db.select({ seq: inbox.streamSeq, handledAt: inbox.handledAt }).from(inbox)
    .where(and(eq(inbox.stream, stream), isNotNull(inbox.streamSeq)))
    .orderBy(desc(inbox.streamSeq)).limit(1);
  return row?.seq == null ? null : { seq: Number(row.seq), handledAt: new Date(row.handledAt) };
}

/**
 * Records events as handled without running anything (an operator discarded their dead letter):
 * a replay or a recreated consumer then skips them. Answers how many were not recorded before.
 */
export async function markHandled(
  db: Database,
  inbox: InboxTable,
  events: InboxEntry[],
): Promise<number> {
  if (events.length === 0) return 0;
  const inserted = await db.insert(inbox).values(
    events.map((e) => ({
      eventId: e.id,
      type: e.type,
      stream: e.stream ?? null,
      streamSeq: e.streamSeq ?? null,
    })),
  ).onConflictDoNothing().returning({ eventId: inbox.eventId });
  return inserted.length;
}
