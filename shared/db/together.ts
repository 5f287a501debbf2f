import { sqlState } from "./errors.ts";

/**
 * Statements sent together in a transaction (docs/database.md, "Pipelined statements"), awaited as
 * one. Unlike `Promise.all`, it waits for every one of them even after one failed: a transaction
 * must not end while a statement of it is still to be sent, or postgres.js would send that
 * statement on the freed connection, outside the transaction. It throws the error that failed
 * the transaction, not the "transaction is aborted" errors of the statements behind it.
 *
 *     await together([enqueueEvent(tx, outbox, event), recordStep(tx, step)]);
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

/** 25P02, in_failed_sql_transaction: a statement behind the one that failed. */
const aborted = (error: unknown) => sqlState(error) === "25P02";
