/**
 * The saga's failure state (`orders.failed_compensations`): a compensation that its service gave up
 * on, recorded when it says so and cleared when the compensation is done after all. Every change
 * in the caller's transaction; nothing reads the answers, so they go with the commit.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../../shared/db/client.ts";
import { statement } from "../../shared/db/statement.ts";
import { awaitAtCommit } from "../../shared/db/transaction.ts";
import { failedCompensations } from "./db/schema.ts";

/** The compensations of the order saga that can fail for good. */
export type Compensation = "refund" | "release";

const recordFailure = statement(
  "orders_record_failed_compensation",
  (db, p) =>
    db.insert(failedCompensations).values({
      orderId: p.orderId,
      compensation: p.compensation,
      service: p.service,
      error: p.error,
      failedAt: p.failedAt,
    }).onConflictDoUpdate({
      target: [failedCompensations.orderId, failedCompensations.compensation],
      // The latest failure is the one an operator needs.
      set: { service: sql`excluded.service`, error: sql`excluded.error`, failedAt: p.failedAt },
    }),
);

const clearFailure = statement(
  "orders_clear_failed_compensation",
  (db, p) =>
    db.delete(failedCompensations).where(
      and(
        eq(failedCompensations.orderId, p.orderId),
        eq(failedCompensations.compensation, p.compensation),
      ),
    ),
);

/** Records that `compensation` of the order failed for good in `service`, with its error. */
export function compensationFailed(
  tx: Database,
  failure: {
    orderId: string;
    compensation: Compensation;
    service: string;
    error: string;
    at: string;
  },
) {
  return awaitAtCommit(tx, () => recordFailure(tx, { ...failure, failedAt: new Date(failure.at) }));
}

/** `compensation` of the order is done: the saga is no longer failed for it. */
export function compensationDone(tx: Database, orderId: string, compensation: Compensation) {
  return awaitAtCommit(tx, () => clearFailure(tx, { orderId, compensation }));
}
