/** What history does when an order's fact arrives: folds it into the order's row. */
import { orderCancelled, orderConfirmed, orderPlaced } from "../../shared/contracts/mod.ts";
import { on } from "../../shared/events/mod.ts";
import type { HandlerContext } from "../../shared/events/mod.ts";
import { findRow, insertRow, updateRow } from "./store.ts";
import { type OrderEvent, project } from "./projection.ts";

async function fold(event: OrderEvent, { tx }: HandlerContext) {
  // An order's first fact is nearly always `placed`: try it as a new row, one statement.
  if (event.type === orderPlaced.type && await insertRow(tx, project(undefined, event))) return;
  const current = await findRow(tx, event.data.orderId);
  if (current) return await updateRow(tx, project(current, event));
  if (await insertRow(tx, project(undefined, event))) return;
  // Another writer (a second instance) created the row meanwhile: fold into it, never over it.
  await updateRow(tx, project(await findRow(tx, event.data.orderId), event));
}

export const historyHandlers = {
  orders: [
    on(orderPlaced, fold, { reads: ["orderId", "userId", "totalCents", "items"] }),
    on(orderConfirmed, fold, { reads: ["orderId", "userId", "totalCents"] }),
    on(orderCancelled, fold, { reads: ["orderId", "userId", "reason"] }),
  ],
};
