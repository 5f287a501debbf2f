/**
 * What catalog does as the saga moves: reserves the stock of a charged order, all of it or
 * none (then rejects the order), and releases a reservation when its order is cancelled. An
 * order cancelled before its stock was reserved keeps a tombstone, so a late charge reserves
 * nothing. A release given up on (every delivery failed) is stated as catalog.release.failed.
 */
import {
  maxErrorLength,
  orderCancelled,
  paymentCharged,
  releaseFailed,
  stockRejected,
  stockReleased,
  stockReserved,
} from "../../shared/contracts/mod.ts";
import { on } from "../../shared/events/mod.ts";
import { clipText } from "../../shared/events/given_up.ts";
import { sagaCompensationsFailed } from "../../shared/telemetry/mod.ts";
import { checkStock, hasReservation, holdStock, releaseOwed, releaseStock } from "./store.ts";
import { together } from "../../shared/db/together.ts";

export const catalogHandlers = {
  payments: [
    on(paymentCharged, async (event, { tx, log, publish }) => {
      const { orderId, userId, items } = event.data;
      if (await hasReservation(tx, orderId)) {
        // Cancelled (timed out) before this charge came: payments refunds on the cancellation.
        log.warn("reservation refused: the order was cancelled before", { orderId });
        return;
      }
      const stock = await checkStock(tx, items);
      // The stock taken and the event that says so, sent together
      // (docs/database.md, "Pipelined statements").
      await together([
        stock.covered && holdStock(tx, orderId, stock.lines),
        stock.covered
          ? publish(stockReserved, { orderId, userId, items: stock.lines })
          : publish(stockRejected, { orderId, userId, shortages: stock.shortages }),
      ]);
      log.info(stock.covered ? "stock reserved" : "stock rejected", { orderId });
    }, { reads: ["orderId", "userId", "items"] }),
  ],
  orders: [
    on(orderCancelled, async (event, { tx, log, publish }) => {
      const { orderId, userId } = event.data;
      const lines = await releaseStock(tx, orderId);
      if (!lines) return;
      await publish(stockReleased, { orderId, userId, items: lines });
      log.info("stock released", { orderId });
    }, {
      reads: ["orderId", "userId"],
      onDeadLetter: async (event, { tx, log, publish }, reason) => {
        const { orderId, userId } = event.data;
        if (!(await releaseOwed(tx, orderId))) {
          // Released before, or never reserved: a failure stated now could never be retried away.
          log.warn("release given up on, but nothing is left to release", { orderId, reason });
          return;
        }
        log.error("release failed for good; the stock is held until an operator retries it", {
          orderId,
          reason,
        });
        sagaCompensationsFailed.inc({ service: "catalog", compensation: "release" });
        await publish(releaseFailed, { orderId, userId, error: clipText(reason, maxErrorLength) });
      },
    }),
  ],
};
