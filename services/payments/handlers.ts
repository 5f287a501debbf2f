/**
 * What payments does when things happen elsewhere: opens wallets for new users, charges placed
 * orders (or declines them), refunds orders whose stock was rejected.
 */
import { orderPlaced, stockRejected, userRegistered } from "../../shared/contracts/mod.ts";
import { on } from "../../shared/events/mod.ts";
import { paymentCharged, paymentDeclined, paymentRefunded } from "../../shared/contracts/mod.ts";
import { openWallet, refundOrder, takePayment } from "./store.ts";

export function paymentsHandlers(startingBalanceCents: number) {
  return {
    users: [
      on(userRegistered, async (event, { tx }) => {
        await openWallet(tx, event.data.userId, startingBalanceCents);
      }),
    ],
    orders: [
      on(orderPlaced, async (event, { tx, log, publish }) => {
        const { orderId, userId, totalCents, items } = event.data;
        const charge = { orderId, userId, amountCents: totalCents };
        let result = await takePayment(tx, charge);
        if (!result.charged && result.balanceCents === null) {
          // The order arrived before the registration did: streams are not ordered together.
          await openWallet(tx, userId, startingBalanceCents);
          result = await takePayment(tx, charge);
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
      }),
    ],
    catalog: [
      on(stockRejected, async (event, { tx, log, publish }) => {
        const refund = await refundOrder(tx, event.data.orderId);
        if (!refund) return;
        const { orderId, userId, amountCents } = refund;
        await publish(paymentRefunded, { orderId, userId, amountCents });
        log.info("order refunded", { orderId: refund.orderId });
      }),
    ],
  };
}
