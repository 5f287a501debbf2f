/**
 * Which outbox rows the relay publishes next: unpublished and not parked, in commit order, less
 * those being sent or published and not yet marked. The marks of published rows ride on the next
 * query (one statement per batch, not two).
 */
import { and, asc, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import type { OutboxRow } from "./enqueue.ts";
import type { OutboxTable } from "./table.ts";

/** Row ids in flight, shared by the relay's query and its publishes. */
export interface InFlight {
  /** Published, not yet marked (a set: every publish looks ids up in it). */
  unmarked: Set<string>;
  /** Being published, by either path (a commit's rows, a query's batch). */
  sending: Set<string>;
}

/** Reads the next rows to publish and writes the marks of those published. */
export interface OutboxSelection {
  /** Marks what was published meanwhile and reads up to `batchSize` rows waiting, oldest first. */
  next(): Promise<OutboxRow[]>;
  /** Writes the marks still held (flush, stop): nothing is published twice needlessly. */
  markHeld(): Promise<void>;
}

/** The selection of `table`'s rows, `batchSize` (rows) at a time, skipping what `inFlight` holds. */
export function outboxSelection(
  db: Database,
  table: OutboxTable,
  batchSize: number,
  inFlight: InFlight,
): OutboxSelection {
  const { unmarked, sending } = inFlight;
  const ids = (list: string[]) => sql`${sql.param(list)}::uuid[]`;
  const columns = {
    id: table.id,
    subject: table.subject,
    payload: table.payload,
    headers: table.headers,
  };
  const markPublished = (list: string[]) =>
    db.update(table).set({ publishedAt: new Date() })
      .where(sql`${table.id} = any(${ids(list)})`).returning({ id: table.id });
  const forget = (marked: string[]) => {
    for (const id of marked) unmarked.delete(id);
  };

  async function next(): Promise<OutboxRow[]> {
    const marking = [...unmarked]; // a copy: a commit's publish may add to `unmarked` meanwhile
    const skipped = sending.size > 0 ? [...marking, ...sending] : marking;
    const waiting = and(isNull(table.publishedAt), isNull(table.parkedAt));
    const unpublished = skipped.length === 0
      ? waiting
      : and(waiting, sql`${table.id} <> all(${ids(skipped)})`);
    const rows = marking.length === 0
      ? await db.select(columns).from(table).where(unpublished)
        .orderBy(asc(table.seq)).limit(batchSize)
      : await db.with(db.$with("marked").as(markPublished(marking))).select(columns).from(table)
        .where(unpublished).orderBy(asc(table.seq)).limit(batchSize);
    forget(marking);
    return rows;
  }

  async function markHeld(): Promise<void> {
    const marking = [...unmarked]; // a copy: a commit's publish may add to `unmarked` meanwhile
    if (marking.length === 0) return;
    await markPublished(marking);
    forget(marking);
  }

  return { next, markHeld };
}
