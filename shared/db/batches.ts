/**
 * Deleting many rows a batch at a time: each batch is one short statement of its own, so a purge
 * never holds many locks for long, and the live work goes on between batches.
 */

/**
 * Runs `deleteBatch(limit)` (which deletes at most `limit` rows and answers how many it deleted)
 * until a batch deletes fewer than `batchSize`; resolves to the total deleted. Safe to run in
 * several instances at once when each batch is (a row deleted twice is deleted once).
 */
export async function deleteInBatches(
  deleteBatch: (limit: number) => Promise<number>,
  batchSize: number,
): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteBatch(batchSize);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
