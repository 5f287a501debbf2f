/**
 * What orders does as the saga moves: records every step on the order's timeline, confirms
 * the order once its stock is reserved, cancels it when the payment is declined or, after an
 * out-of-stock rejection, once the refund is done. A step and the status change it brings are
 * one statement; the step of the change itself follows, so the timeline keeps its order.
 */
import {
  paymentCharged,
  paymentDeclined,
  paymentRefunded,
  stockRejected,
  stockReserved,
} from "../../shared/contracts/mod.ts";
import { type HandlerContext, on } from "../../shared/events/mod.ts";
import type { OrderChange } from "./domain.ts";
import { recordStep, stepThenChange } from "./store.ts";

type Step = {
  id: string;
  type: string;
  source: string;
  occurredAt: string;
  data: { orderId: string };
};
const stepOf = (event: Step) => ({
  orderId: event.data.orderId,
  type: event.type,
  source: event.source,
  at: event.occurredAt,
});

/** Records the event as a step of its order, with the status change it brings. */
async function changeOn(
  event: Step,
  change: OrderChange,
  { tx, log, publish }: HandlerContext,
) {
  if (await stepThenChange(tx, stepOf(event), change, publish)) {
    log.info(`order ${change.to}`, { orderId: event.data.orderId });
  }
}

export const ordersHandlers = {
  payments: [
    on(paymentCharged, async (event, { tx }) => {
      await recordStep(tx, stepOf(event));
    }),
    on(
      paymentDeclined,
      (event, ctx) => changeOn(event, { to: "cancelled", reason: "payment_declined" }, ctx),
    ),
    on(
      paymentRefunded,
      (event, ctx) => changeOn(event, { to: "cancelled", reason: "out_of_stock" }, ctx),
    ),
  ],
  catalog: [
    on(stockReserved, (event, ctx) => changeOn(event, { to: "confirmed" }, ctx)),
    on(stockRejected, async (event, { tx }) => {
      await recordStep(tx, stepOf(event));
    }),
  ],
};
