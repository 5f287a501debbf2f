/**
 * The inbox's retention purge: rows handled longer ago than the retention go, except the newest
 * row of each stream, which holds the consumer's resume position (`resumePosition`): a durable the
 * server lost is made again after it, even when nothing came for longer than the retention.
 */
import { and, desc, isNotNull, lt, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { deleteInBatches } from "../db/batches.ts";
import type { InboxTable } from "./inbox.ts";

/**
 * Deletes `inbox` rows handled before `before`, oldest first, `batchSize` rows a statement,
 * keeping each stream's row of the highest stream sequence; rows without a position (written
 * before positions were recorded) go by age alone. Resolves to how many rows were deleted.
 */
export async function purgeInbox(
  db: Database,
  inbox: InboxTable,
  { before, batchSize }: { before: Date; batchSize: number },
): Promise<number> {
  // Read once per purge: a row handled meanwhile is newer than `before`, never a candidate.
  const positions = await db.selectDistinctOn([inbox.stream], { id: inbox.eventId }).from(inbox)
    .where(and(isNotNull(inbox.stream), isNotNull(inbox.streamSeq)))
    .orderBy(inbox.stream, desc(inbox.streamSeq));
  const kept = sql`${sql.param(positions.map((row) => row.id))}::uuid[]`;
  return deleteInBatches(db, inbox, {
    where: and(lt(inbox.handledAt, before), sql`${inbox.eventId} <> all(${kept})`),
    oldestFirst: inbox.handledAt,
    batchSize,
  });
}
