/**
 * A transaction whose last writes travel with its COMMIT (docs/database.md, "Writes sent with the
 * commit"). A write nobody reads the answer of (an outbox row, a timeline step, a notification)
 * need not cost a round trip of its own: handed to `awaitAtCommit`, it is sent at once and the
 * transaction goes on without waiting; postgres.js sends the COMMIT right behind it, and its
 * answer is checked once the COMMIT's has come. A failed write aborted the transaction, so
 * Postgres answered that COMMIT with a rollback: `transaction` then throws the write's error,
 * and nothing of the transaction was kept.
 *
 *     await transaction(db, async (tx) => {
 *       const charged = await takePayment(tx, charge); // an answer the handler needs
 *       await awaitAtCommit(tx, () => insertCharge(tx, charged)); // one it does not
 *     });
 */
import { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { Database } from "./client.ts";
import { together } from "./together.ts";

/** The writes of each open transaction whose answers are awaited at its commit. */
const awaiting = new WeakMap<Database, Promise<unknown>[]>();

/**
 * Runs `work` in a transaction of `db` and commits it, then checks the writes handed to
 * `awaitAtCommit`: throws the first that failed. Only postgres.js, where every wait is a round
 * trip, sends them with the COMMIT; PGlite, and a savepoint inside another transaction, wait for
 * them before they end (nothing to gain there, and a savepoint's release must not hide a failure).
 */
export async function transaction<T>(
  db: Database,
  work: (tx: Database) => Promise<T>,
): Promise<T> {
  const writes: Promise<unknown>[] = [];
  const withCommit = db instanceof PostgresJsDatabase;
  const result = await db.transaction(async (tx) => {
    awaiting.set(tx, writes);
    try {
      const value = await work(tx);
      if (!withCommit) await together(writes);
      return value;
    } catch (error) {
      // Nothing of the transaction may still be on its way when it rolls back. A write that
      // failed while the work went on makes the work's next statement fail with "transaction is
      // aborted": `together` throws the write's error then, the cause, not that.
      await together([Promise.reject(error), ...writes]);
      throw error;
    }
  });
  await together(writes);
  return result;
}

/**
 * Sends `write` now, in `tx`, without waiting for its answer: the transaction's commit waits for
 * it, and fails with its error. In a transaction not made by `transaction` (or outside one) the
 * write is simply awaited: the returned promise is its own.
 *
 * `write` must send its statement before it first awaits anything (a statement of
 * db/statement.ts, a drizzle query): a statement sent later could come after the COMMIT, outside
 * the transaction. And it must return no rows: postgres.js sends a prepared statement again when
 * the server answers that its plan no longer matches the rows it returns (or that it does not know
 * the statement); sent again after the COMMIT, it would run on its own. Without rows there is no
 * such plan change, and a server does not forget a statement on a session postgres.js keeps (a
 * transaction-mode pooler, which would, needs `?prepare=false`, and then nothing is sent again).
 */
export function awaitAtCommit(tx: Database, write: () => PromiseLike<unknown>): Promise<void> {
  const writes = awaiting.get(tx);
  if (!writes) return started(write).then(() => {});
  const sent = started(write);
  // Observed now, so a failure before the commit is not an unhandled rejection; `transaction`
  // reads it from the list.
  sent.catch(() => {});
  writes.push(sent);
  return Promise.resolve();
}

/**
 * The write's promise, taken once; one that throws before it sends anything rejects it instead.
 * A drizzle query builder is a lazy thenable that runs its statement each time it is awaited:
 * its `then` is called here, once and at once, so the statement is sent once, now, inside.
 */
function started(write: () => PromiseLike<unknown>): Promise<unknown> {
  try {
    const sent = write();
    return new Promise((resolve, reject) => sent.then(resolve, reject));
  } catch (error) {
    return Promise.reject(error);
  }
}
