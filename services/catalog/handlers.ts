/**
 * What catalog does as the saga moves: reserves the stock of a charged order, all of it or
 * none (then rejects the order), and releases a reservation when its order is cancelled.
 */
import { outbox } from "./db/schema.ts";
import {
  orderCancelled,
  paymentCharged,
  stockRejected,
  stockReleased,
  stockReserved,
} from "../../shared/contracts/mod.ts";
import { on } from "../../shared/events/mod.ts";
import { causedBy, createEvent, enqueueEvent } from "../../shared/outbox/mod.ts";
import { checkStock, holdStock, releaseStock } from "./store.ts";
import { together } from "../../shared/db/together.ts";

const source = "catalog";

export const catalogHandlers = {
  payments: [
    on(paymentCharged, async (event, { tx, log }) => {
      const { orderId, userId, items } = event.data;
      const stock = await checkStock(tx, items);
      const origin = causedBy(event, source);
      // The stock taken and the event that says so, sent together (see "Pipelined statements").
      await together([
        stock.covered && holdStock(tx, orderId, stock.lines),
        enqueueEvent(
          tx,
          outbox,
          stock.covered
            ? createEvent(stockReserved, { orderId, userId, items: stock.lines }, origin)
            : createEvent(stockRejected, { orderId, userId, shortages: stock.shortages }, origin),
        ),
      ]);
      log.info(stock.covered ? "stock reserved" : "stock rejected", { orderId });
    }),
  ],
  orders: [
    on(orderCancelled, async (event, { tx, log }) => {
      const lines = await releaseStock(tx, event.data.orderId);
      if (!lines) return;
      await enqueueEvent(
        tx,
        outbox,
        createEvent(
          stockReleased,
          { orderId: event.data.orderId, userId: event.data.userId, items: lines },
          causedBy(event, source),
        ),
      );
      log.info("stock released", { orderId: event.data.orderId });
    }),
  ],
};
