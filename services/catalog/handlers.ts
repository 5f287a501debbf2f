/**
 * What catalog does as the saga moves: reserves the stock of a charged order, all of it or
 * none (then rejects the order), and releases a reservation when its order is cancelled.
 */
import {
  orderCancelled,
  paymentCharged,
  stockRejected,
  stockReleased,
  stockReserved,
} from "../../shared/contracts/mod.ts";
import { on } from "../../shared/events/mod.ts";
import { checkStock, holdStock, releaseStock } from "./store.ts";
import { together } from "../../shared/db/together.ts";

export const catalogHandlers = {
  payments: [
    on(paymentCharged, async (event, { tx, log, publish }) => {
      const { orderId, userId, items } = event.data;
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
    }),
  ],
  orders: [
    on(orderCancelled, async (event, { tx, log, publish }) => {
      const { orderId, userId } = event.data;
      const lines = await releaseStock(tx, orderId);
      if (!lines) return;
      await publish(stockReleased, { orderId, userId, items: lines });
      log.info("stock released", { orderId });
    }),
  ],
};
