/** What the payments service serves and publishes. */
import * as z from "zod";
import { defineEvent, type StreamDefinition } from "./envelope.ts";
import { defineRpcService } from "./rpc.ts";
import { orderItems, orderTotalCents } from "./catalog.ts";
import { cents, text, uuid } from "./fields.ts";
import { maxDepositCents, maxErrorLength } from "./limits.ts";

/**
 * A balance as answered: any safe integer of cents. The ceiling (`maxBalanceCents`) holds where
 * money comes in, and refunds may pass it (see limits.ts), so the answer is not capped by it.
 */
const balanceCents = cents(Number.MAX_SAFE_INTEGER);
const wallet = z.object({ balanceCents });

/** One deposit: 1 to `maxDepositCents` cents. */
export const depositAmountCents = z.number().int().positive().max(maxDepositCents);

/** The payments service's endpoints: `getWallet` and `deposit` (not idempotent: each call adds). */
export const paymentsApi = defineRpcService("payments", {
  getWallet: { request: z.object({ userId: uuid }), reply: wallet, idempotent: true },
  /**
   * Adds the amount to the user's wallet (opening it first when it is not yet). `unprocessable`
   * (422) when the balance would pass `maxBalanceCents`; details name the field.
   */
  deposit: {
    request: z.object({ userId: uuid, amountCents: depositAmountCents }),
    reply: wallet,
    idempotent: false,
  },
});

/**
 * `payments.payment.charged` v1: the order's total was taken from the wallet (catalog reserves its
 * stock).
 */
export const paymentCharged = defineEvent(
  "payments.payment.charged",
  1,
  z.object({
    orderId: uuid,
    userId: uuid,
    amountCents: orderTotalCents,
    /** Carried on so the catalog can reserve without asking the orders service. */
    items: orderItems,
  }),
  { orderingKey: (data) => `user:${data.userId}` },
);

/**
 * `payments.payment.declined` v1: the wallet held less than the total, with the balance it held
 * (orders cancels).
 */
export const paymentDeclined = defineEvent(
  "payments.payment.declined",
  1,
  z.object({ orderId: uuid, userId: uuid, amountCents: orderTotalCents, balanceCents }),
  { orderingKey: (data) => `user:${data.userId}` },
);

/**
 * `payments.payment.refunded` v1: a charge was given back after the stock was rejected (orders
 * cancels).
 */
export const paymentRefunded = defineEvent(
  "payments.payment.refunded",
  1,
  z.object({ orderId: uuid, userId: uuid, amountCents: orderTotalCents }),
  { orderingKey: (data) => `user:${data.userId}` },
);

/**
 * `payments.refund.failed` v1: a refund (a compensation) failed on every delivery and its event
 * went to the dead letters; the money is still held until an operator retries it (orders marks
 * the saga `compensation_failed`). `error` is the last failure, for the operator.
 */
export const refundFailed = defineEvent(
  "payments.refund.failed",
  1,
  z.object({ orderId: uuid, userId: uuid, error: text(maxErrorLength) }),
  { orderingKey: (data) => `user:${data.userId}` },
);

/** The payments service's stream, `PAYMENTS`, on `payments.>`. */
export const paymentsStream: StreamDefinition = { name: "PAYMENTS", subjects: ["payments.>"] };
