/**
 * The outbox's retention purge: a published row is in its stream, so the row is kept only for a
 * while (to look into what was sent), then deleted. Rows not yet published, and parked rows (an
 * operator's to re-queue or discard), are never purged.
 */
import { and, isNotNull, lt } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { deleteInBatches } from "../db/batches.ts";
import type { OutboxTable } from "./table.ts";

/**
 * Deletes `outbox` rows published before `before`, oldest first, `batchSize` rows a statement.
 * Resolves to how many rows were deleted.
 */
export function purgePublishedOutbox(
  db: Database,
  outbox: OutboxTable,
  { before, batchSize }: { before: Date; batchSize: number },
): Promise<number> {
  return deleteInBatches(db, outbox, {
    where: and(isNotNull(outbox.publishedAt), lt(outbox.publishedAt, before)),
    oldestFirst: outbox.publishedAt,
    batchSize,
  });
}
