/**
 * The inbox's retention purge: rows handled longer ago than the retention go, except the newest
 * row of each stream, which holds the consumer's resume position (`resumePosition`): a durable the
 * server lost is made again after it, even when nothing came for longer than the retention.
 */
import { and, exists, gt, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Database } from "../db/client.ts";
import { deleteInBatches } from "../db/batches.ts";
import type { InboxTable } from "./inbox.ts";

/**
 * Deletes `inbox` rows handled before `before`, `batchSize` rows a statement, keeping each
 * stream's row of the highest stream sequence; rows without a position (written before positions
 * were recorded) go by age alone. Resolves to how many rows were deleted.
 */
export function purgeInbox(
  db: Database,
  inbox: InboxTable,
  { before, batchSize }: { before: Date; batchSize: number },
): Promise<number> {
  const row = alias(inbox, "row");
  const newer = alias(inbox, "newer");
  // A row with a newer one in its stream is not its stream's resume position.
  const superseded = exists(
    db.select({ one: sql`1` }).from(newer)
      .where(and(sql`${newer.stream} = ${row.stream}`, gt(newer.streamSeq, row.streamSeq))),
  );
  return deleteInBatches(async (limit) => {
    const expired = db.select({ id: row.eventId }).from(row)
      .where(and(
        lt(row.handledAt, before),
        or(isNull(row.stream), isNull(row.streamSeq), superseded),
      ))
      .limit(limit);
    const deleted = await db.delete(inbox).where(inArray(inbox.eventId, expired))
      .returning({ id: inbox.eventId });
    return deleted.length;
  }, batchSize);
}
