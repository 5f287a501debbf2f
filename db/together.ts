/**
 * Statements sent together in a transaction (see README, "Pipelined statements"), awaited as
 * one. Unlike `Promise.all`, it waits for every one of them even after one failed: a transaction
 * must not end while a statement of it is still to be sent, or postgres.js would send that
 * statement on the freed connection, outside the transaction. It throws the error that failed
 * the transaction, not the "transaction is aborted" errors of the statements behind it.
 *
 *     const [, changed] = await together([recordStep(tx, step), changeStatus(tx, ...)]);
 */
export async function together<T extends readonly unknown[]>(
  work: readonly [...T],
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(work);
  const failures = results.flatMap((result) => result.status === "rejected" ? [result.reason] : []);
  if (failures.length > 0) throw failures.find((error) => !aborted(error)) ?? failures[0];
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

/** 25P02, in_failed_sql_transaction: drizzle wraps the driver's error as its `cause`. */
function aborted(error: unknown): boolean {
  const code = (e: unknown) => (e as { code?: unknown } | null | undefined)?.code;
  return code(error) === "25P02" || code((error as { cause?: unknown } | null)?.cause) === "25P02";
}
