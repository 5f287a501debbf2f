/**
 * The outbox's retention purge: a published row is in its stream, so the row is kept only for a
 * while (to look into what was sent), then deleted. Rows not yet published, and parked rows (an
 * operator's to re-queue or discard), are never purged.
 */
import { and, inArray, isNotNull, lt } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { deleteInBatches } from "../db/batches.ts";
import type { OutboxTable } from "./table.ts";

/**
 * Deletes `outbox` rows published before `before`, `batchSize` rows a statement. Resolves to how
 * many rows were deleted.
 */
export function purgePublishedOutbox(
  db: Database,
  outbox: OutboxTable,
  { before, batchSize }: { before: Date; batchSize: number },
): Promise<number> {
  return deleteInBatches(async (limit) => {
    const expired = db.select({ id: outbox.id }).from(outbox)
      .where(and(isNotNull(outbox.publishedAt), lt(outbox.publishedAt, before)))
      .limit(limit);
    const deleted = await db.delete(outbox).where(inArray(outbox.id, expired))
      .returning({ id: outbox.id });
    return deleted.length;
  }, batchSize);
}
