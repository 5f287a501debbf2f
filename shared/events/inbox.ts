/**
 * The inbox each consuming service keeps in its own schema: one row per event it has applied,
 * written in the same transaction as the handler's effects. A redelivery, or a re-publish
 * after the stream's duplicate window, finds the row and changes nothing.
 */
import { bigint, index, type PgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { Database } from "../../db/client.ts";
import { type Statement, statement } from "../../db/statement.ts";
import { transaction } from "../../db/transaction.ts";
import { eachInKeyOrder } from "./ordering.ts";

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
  }, (t) => [index("inbox_position").on(t.stream, t.streamSeq)]);
}

export type InboxTable = ReturnType<typeof inboxTable>;

export type HandleOutcome = "applied" | "duplicate";

/**
 * Runs `effects` for each event, in the given order (with `keyOf`: within each key), once per
 * event id, all in one
 * transaction with their inbox rows (one insert for all of them): a batch costs one BEGIN, one
 * inbox statement and one COMMIT instead of that many per event. If any effect throws, nothing
 * of the batch is applied. `committed` hears of the transaction once it committed something.
 * With `keyOf`, only events of one key run one after another: the keys go side by side, so
 * their statements travel together (see "Pipelined statements").
 */
export async function handleEachOnce<E extends { id: string; type: string }>(
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
    const rows = [...new Map(events.map((e) => [e.id, e.type])).entries()];
    const values = Object.fromEntries(
      rows.flatMap(([id, type], i) => [[`id${i}`, id], [`type${i}`, type]]),
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
              (_, i) => ({ eventId: p[`id${i}`], type: p[`type${i}`] }),
            ),
          )
          .onConflictDoNothing().returning({ eventId: inbox.eventId })),
    );
  }
  return bySize.get(count)!;
}
