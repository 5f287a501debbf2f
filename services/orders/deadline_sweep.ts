/**
 * The saga's deadline, enforced: every orders instance sweeps, on a timer, the pending orders past
 * their deadline and cancels them (`timed_out`), publishing orders.order.cancelled in the same
 * transaction; payments refunds any charge and catalog releases any reservation on it. The
 * deadline is a column (`orders.deadline_at`), not a timer in memory: a restart loses nothing.
 */
import type { PeriodicWork } from "../../shared/runtime/mod.ts";
import { expireOverdue } from "./store.ts";

/** Orders cancelled per transaction: a batch's locks are held only that long. */
const batchSize = 100;

/** The sweep, as periodic work of the orders service, every `everyMs`. */
export function deadlineSweep(everyMs: number): PeriodicWork {
  return {
    name: "saga deadline sweep",
    everyMs,
    run: async ({ transaction, log }) => {
      while (true) {
        const expired = await transaction(({ tx, publish }) =>
          expireOverdue(tx, { now: new Date(), limit: batchSize }, publish)
        );
        for (const { orderId } of expired) log.warn("order timed out", { orderId });
        if (expired.length < batchSize) return;
      }
    },
  };
}
