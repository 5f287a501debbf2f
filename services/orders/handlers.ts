/**
 * What orders does as the saga moves: records every step on the order's timeline, confirms
 * the order once its stock is reserved, cancels it when the payment is declined or, after an
 * out-of-stock rejection, once the refund is done. A step and the status change it brings are
 * one statement; the step of the change itself follows, so the timeline keeps its order. A
 * compensation that failed for good (refund, release) marks the saga `compensation_failed` until
 * it is done after all (see failed_compensations.ts).
 */
import {
  paymentCharged,
  paymentDeclined,
  paymentRefunded,
  refundFailed,
  releaseFailed,
  stockRejected,
  stockReleased,
  stockReserved,
} from "../../shared/contracts/mod.ts";
import { type HandlerContext, on } from "../../shared/events/mod.ts";
import type { OrderChange } from "./domain.ts";
import { recordStep, stepThenChange } from "./store.ts";
import { type Compensation, compensationDone, compensationFailed } from "./failed_compensations.ts";

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

/** The compensation failed for good: recorded, as a step and as the saga's failure state. */
async function failedOn(
  event: Step & { data: { error: string } },
  compensation: Compensation,
  { tx, log }: HandlerContext,
) {
  await recordStep(tx, stepOf(event));
  await compensationFailed(tx, {
    orderId: event.data.orderId,
    compensation,
    service: event.source,
    error: event.data.error,
    at: event.occurredAt,
  });
  log.error("compensation failed for good", {
    orderId: event.data.orderId,
    compensation,
    error: event.data.error,
  });
}

export const ordersHandlers = {
  payments: [
    on(paymentCharged, async (event, { tx }) => {
      await recordStep(tx, stepOf(event));
    }, { reads: ["orderId"] }),
    on(
      paymentDeclined,
      (event, ctx) => changeOn(event, { to: "cancelled", reason: "payment_declined" }, ctx),
      { reads: ["orderId"] },
    ),
    on(paymentRefunded, async (event, ctx) => {
      // After a rejection the refund ends the saga; after a cancellation (timed out) the order
      // ended already and the step is recorded alone.
      await changeOn(event, { to: "cancelled", reason: "out_of_stock" }, ctx);
      await compensationDone(ctx.tx, event.data.orderId, "refund");
    }, { reads: ["orderId"] }),
    on(refundFailed, (event, ctx) => failedOn(event, "refund", ctx), {
      reads: ["orderId", "error"],
    }),
  ],
  catalog: [
    on(stockReserved, (event, ctx) => changeOn(event, { to: "confirmed" }, ctx), {
      reads: ["orderId"],
    }),
    on(stockRejected, async (event, { tx }) => {
      await recordStep(tx, stepOf(event));
    }, { reads: ["orderId"] }),
    on(stockReleased, async (event, { tx }) => {
      await compensationDone(tx, event.data.orderId, "release");
    }, { reads: ["orderId"] }),
    on(releaseFailed, (event, ctx) => failedOn(event, "release", ctx), {
      reads: ["orderId", "error"],
    }),
  ],
};
