/**
 * What payments does when things happen elsewhere: opens wallets for new users, charges placed
 * orders (or declines them), refunds orders whose stock was rejected or that were cancelled
 * (timed out: any charge goes back). A cancelled order never charged is closed, so a late charge
 * is never taken. A refund given up on (every delivery failed) is stated as
 * payments.refund.failed: the money is never kept silently.
 */
import {
  maxErrorLength,
  orderCancelled,
  orderPlaced,
  stockRejected,
  userRegistered,
} from "../../shared/contracts/mod.ts";
import { type HandlerContext, on } from "../../shared/events/mod.ts";
import { clipText } from "../../shared/events/given_up.ts";
import { sagaCompensationsFailed } from "../../shared/telemetry/mod.ts";
import {
  paymentCharged,
  paymentDeclined,
  paymentRefunded,
  refundFailed,
} from "../../shared/contracts/mod.ts";
import { openWallet, refundOrClose, refundOrder, refundOwed, takePayment } from "./store.ts";

type Refunded = Awaited<ReturnType<typeof refundOrder>>;

async function stateRefund(refund: Refunded, { log, publish }: HandlerContext) {
  if (!refund) return;
  const { orderId, userId, amountCents } = refund;
  await publish(paymentRefunded, { orderId, userId, amountCents });
  log.info("order refunded", { orderId });
}

/**
 * The refund of an order was given up on: said with an error log, a metric and an event, if the
 * charge is still owed. Refunded meanwhile (the rejection's and the cancellation's refunds are two
 * paths to one refund) or never charged, nothing is left to compensate: stating a failure then
 * would leave a `compensation_failed` that no retry can end. `closeIfUncharged` (the cancellation's
 * path) closes an order never charged, as its handler would have.
 */
async function refundGivenUp(
  { orderId, userId }: { orderId: string; userId: string },
  { tx, log, publish }: HandlerContext,
  reason: string,
  closeIfUncharged = false,
) {
  if (!(await refundOwed(tx, orderId))) {
    if (closeIfUncharged) await refundOrClose(tx, orderId);
    log.warn("refund given up on, but nothing is left to refund", { orderId, reason });
    return;
  }
  log.error("refund failed for good; the money is held until an operator retries it", {
    orderId,
    reason,
  });
  sagaCompensationsFailed.inc({ service: "payments", compensation: "refund" });
  await publish(refundFailed, { orderId, userId, error: clipText(reason, maxErrorLength) });
}

export function paymentsHandlers(startingBalanceCents: number) {
  return {
    users: [
      on(userRegistered, async (event, { tx }) => {
        await openWallet(tx, event.data.userId, startingBalanceCents);
      }, { reads: ["userId"] }),
    ],
    orders: [
      on(orderPlaced, async (event, { tx, log, publish }) => {
        const { orderId, userId, totalCents, items } = event.data;
        const charge = { orderId, userId, amountCents: totalCents };
        let result = await takePayment(tx, charge);
        if (!result.charged && "balanceCents" in result && result.balanceCents === null) {
          // The order arrived before the registration did: streams are not ordered together.
          await openWallet(tx, userId, startingBalanceCents);
          result = await takePayment(tx, charge);
        }
        if (!result.charged && "closed" in result) {
          // Cancelled before it was charged (timed out), and delivered late or re-driven.
          log.warn("charge refused: the order was cancelled before", { orderId });
          return;
        }
        await (result.charged
          ? publish(paymentCharged, {
            orderId,
            userId,
            amountCents: totalCents,
            items: items.map(({ productId, quantity }) => ({ productId, quantity })),
          })
          : publish(paymentDeclined, {
            orderId,
            userId,
            amountCents: totalCents,
            balanceCents: result.balanceCents ?? 0,
          }));
        log.info(result.charged ? "order charged" : "payment declined", { orderId });
      }, { reads: ["orderId", "userId", "totalCents", "items"] }),
      on(orderCancelled, async (event, ctx) => {
        await stateRefund(await refundOrClose(ctx.tx, event.data.orderId), ctx);
      }, {
        reads: ["orderId", "userId"],
        onDeadLetter: (event, ctx, reason) => refundGivenUp(event.data, ctx, reason, true),
      }),
    ],
    catalog: [
      on(stockRejected, async (event, ctx) => {
        await stateRefund(await refundOrder(ctx.tx, event.data.orderId), ctx);
      }, {
        reads: ["orderId", "userId"],
        onDeadLetter: (event, ctx, reason) => refundGivenUp(event.data, ctx, reason),
      }),
    ],
  };
}
