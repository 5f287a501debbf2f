/**
 * The outbox rows the relay parked (see relay.ts), for an operator: list them, re-queue one once
 * its cause is fixed (the relay tries it again from zero attempts), or discard one. Served by
 * each service's operations endpoints; `deno task ops outbox` and the audit are in
 * shared/operator.
 */
import { and, asc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import type { OutboxTable } from "./table.ts";

/** A parked row, without its payload (which may be near a megabyte). */
export interface ParkedRow {
  id: string;
  subject: string;
  /** The payload's length in characters. */
  bytes: number;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  /** Null once re-queued. */
  parkedAt: string | null;
}

function columns(table: OutboxTable) {
  return {
    id: table.id,
    subject: table.subject,
    bytes: sql<number>`length(${table.payload})::int`,
    attempts: table.attempts,
    lastError: table.lastError,
    createdAt: table.createdAt,
    parkedAt: table.parkedAt,
  };
}

const parked = (table: OutboxTable) => and(isNull(table.publishedAt), isNotNull(table.parkedAt));

function rowOf(row: {
  id: string;
  subject: string;
  bytes: number;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  parkedAt: Date | null;
}): ParkedRow {
  return {
    ...row,
    bytes: Number(row.bytes),
    createdAt: new Date(row.createdAt).toISOString(),
    parkedAt: row.parkedAt ? new Date(row.parkedAt).toISOString() : null,
  };
}

/** The parked rows, oldest first, at most `limit`. */
export async function listParked(
  db: Database,
  table: OutboxTable,
  limit = 100,
): Promise<ParkedRow[]> {
  const rows = await db.select(columns(table)).from(table).where(parked(table))
    .orderBy(asc(table.seq)).limit(limit);
  return rows.map(rowOf);
}

/** Un-parks row `id` with its attempts at zero; null when no parked row has that id. */
export async function requeueParked(
  db: Database,
  table: OutboxTable,
  id: string,
): Promise<ParkedRow | null> {
  const [row] = await db.update(table).set({ parkedAt: null, attempts: 0 })
    .where(and(eq(table.id, id), parked(table)))
    .returning(columns(table));
  return row ? rowOf(row) : null;
}

/** Deletes parked row `id`, answering what it was; null when no parked row has that id. */
export async function discardParked(
  db: Database,
  table: OutboxTable,
  id: string,
): Promise<ParkedRow | null> {
  const [row] = await db.delete(table).where(and(eq(table.id, id), parked(table)))
    .returning(columns(table));
  return row ? rowOf(row) : null;
}
