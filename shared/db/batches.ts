/**
 * Deleting many rows a batch at a time: each batch is one short statement of its own, so a purge
 * never holds many locks for long, and the live work goes on between batches.
 */
import { asc, type SQL, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Database } from "./client.ts";

/** Which rows of a table go, and in what order. */
export interface BatchedDelete {
  /** The rows to delete (a condition on `table`'s columns). */
  where: SQL | undefined;
  /** Deleted oldest first by this column, which an index should serve (with `where`). */
  oldestFirst: PgColumn;
  /** Rows per statement. */
  batchSize: number;
}

/**
 * Deletes the rows of `table` matching `where`, `batchSize` at a time, oldest first, each batch
 * one statement (`DELETE ... WHERE ctid = ANY(ARRAY(SELECT ctid ... LIMIT n))`: the rows are found
 * through the index on `oldestFirst` and deleted by their address, never by a scan of the table),
 * until a batch deletes fewer than `batchSize`. Resolves to the total deleted. Safe to run in
 * several instances at once: a row two batches pick is deleted once.
 */
export async function deleteInBatches(
  db: Database,
  table: PgTable,
  { where, oldestFirst, batchSize }: BatchedDelete,
): Promise<number> {
  let total = 0;
  for (;;) {
    const batch = db.select({ at: sql`ctid` }).from(table).where(where)
      .orderBy(asc(oldestFirst)).limit(batchSize);
    const deleted = await db.delete(table).where(sql`ctid = any(array(${batch}))`)
      .returning({ one: sql`1` });
    total += deleted.length;
    if (deleted.length < batchSize) return total;
  }
}
