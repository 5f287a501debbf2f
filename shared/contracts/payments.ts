/** What the payments service serves and publishes. */
import { z } from "zod";
import { defineEvent, type StreamDefinition } from "./envelope.ts";
import { defineRpcService } from "./rpc.ts";

const cents = z.number().int().nonnegative();
const wallet = z.object({ balanceCents: cents });

export const paymentsApi = defineRpcService("payments", {
  getWallet: { request: z.object({ userId: z.uuid() }), reply: wallet, idempotent: true },
  deposit: {
    request: z.object({ userId: z.uuid(), amountCents: z.number().int().positive().max(1e9) }),
    reply: wallet,
    idempotent: false,
  },
});

export const paymentCharged = defineEvent(
  "payments.payment.charged",
  1,
  z.object({
    orderId: z.uuid(),
    userId: z.uuid(),
    amountCents: cents,
    /** Carried on so the catalog can reserve without asking the orders service. */
    items: z.array(z.object({ productId: z.uuid(), quantity: z.number().int().positive() })),
  }),
);

export const paymentDeclined = defineEvent(
  "payments.payment.declined",
  1,
  z.object({ orderId: z.uuid(), userId: z.uuid(), amountCents: cents, balanceCents: cents }),
);

export const paymentRefunded = defineEvent(
  "payments.payment.refunded",
  1,
  z.object({ orderId: z.uuid(), userId: z.uuid(), amountCents: cents }),
);

export const paymentsStream: StreamDefinition = { name: "PAYMENTS", subjects: ["payments.>"] };
