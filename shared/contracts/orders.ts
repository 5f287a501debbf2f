/** What the orders service serves and publishes. */
import * as z from "zod";
import { orderItems, orderTotalCents, quotedItem } from "./catalog.ts";
import { defineEvent, eventSource, eventType, type StreamDefinition } from "./envelope.ts";
import { text, timestamp, uuid } from "./fields.ts";
import { maxIdempotencyKeyLength, maxOrderLines } from "./limits.ts";
import { maxPageSize, nextCursor, pageRequest } from "./paging.ts";
import { defineRpcService } from "./rpc.ts";

/**
 * The most steps a timeline holds. An order records each event type once (the timeline_once
 * constraint) and its saga has about six, so this only bounds a reply that a bug could grow.
 */
export const maxTimelineSteps = 100;

/**
 * Where an order is in its saga: `pending` until payment and stock decide, then `confirmed` or
 * `cancelled`.
 */
export const orderStatus = z.enum(["pending", "confirmed", "cancelled"]);
/**
 * Why an order was cancelled: the payment was declined, the stock ran short (the charge then
 * refunded), or the saga passed its deadline (`timed_out`: whatever was done is compensated).
 */
export const cancelReason = z.enum(["payment_declined", "out_of_stock", "timed_out"]);
/** One of `cancelReason`'s values. */
export type CancelReason = z.infer<typeof cancelReason>;

/** A client's `Idempotency-Key`: 1 to 200 characters, stored as text with the order it made. */
export const idempotencyKey = text(maxIdempotencyKeyLength, { min: 1 });

const quotedItems = z.array(quotedItem).min(1).max(maxOrderLines);

/**
 * An order as its owner sees it: status, the reason when cancelled, the quoted lines, the total in
 * cents, and when it was made and last changed.
 */
export const order = z.object({
  id: uuid,
  status: orderStatus,
  reason: cancelReason.optional(),
  items: quotedItems,
  totalCents: orderTotalCents,
  createdAt: timestamp,
  updatedAt: timestamp,
});
/** An order as `order` describes it. */
export type Order = z.infer<typeof order>;

/** One step of an order's saga: the event that was its step, when, and who took it. */
export const timelineEntry = z.object({
  at: timestamp,
  type: eventType,
  source: eventSource,
  /** The service that took the step (the event's source). */
  service: eventSource,
  /** Milliseconds since the step before it: where the saga spent its time. */
  durationMs: z.number().nonnegative(),
});

const ownOrder = z.object({ userId: uuid, orderId: uuid });

/**
 * The orders service's endpoints: `placeOrder` (not idempotent), `getOrder`, `listOrders` and
 * `getTimeline`; another user's order is `not_found`.
 */
export const ordersApi = defineRpcService("orders", {
  /** Pending at once; the saga decides. Same key and items: the same order, not a second. */
  placeOrder: {
    request: z.object({
      userId: uuid,
      items: orderItems,
      idempotencyKey: idempotencyKey.optional(),
    }),
    reply: z.object({ orderId: uuid, status: orderStatus }),
    idempotent: false,
  },
  getOrder: { request: ownOrder, reply: order, idempotent: true },
  /** The user's orders, newest first, a page at a time (shared/contracts/paging.ts). */
  listOrders: {
    request: z.object({ userId: uuid, ...pageRequest }),
    reply: z.object({ items: z.array(order).max(maxPageSize), next: nextCursor }),
    idempotent: true,
  },
  getTimeline: {
    request: ownOrder,
    reply: z.object({ items: z.array(timelineEntry).max(maxTimelineSteps) }),
    idempotent: true,
  },
});

/**
 * `orders.order.placed` v1: an order was accepted as pending, with its quoted lines and total
 * (payments charges it).
 */
export const orderPlaced = defineEvent(
  "orders.order.placed",
  1,
  z.object({
    orderId: uuid,
    userId: uuid,
    items: quotedItems,
    totalCents: orderTotalCents,
  }),
  { orderingKey: (data) => `user:${data.userId}` },
);

/** `orders.order.confirmed` v1: paid and its stock reserved. */
export const orderConfirmed = defineEvent(
  "orders.order.confirmed",
  1,
  z.object({ orderId: uuid, userId: uuid, totalCents: orderTotalCents }),
  { orderingKey: (data) => `user:${data.userId}` },
);

/**
 * `orders.order.cancelled` v1: the saga ended without the order (catalog releases any reservation).
 */
export const orderCancelled = defineEvent(
  "orders.order.cancelled",
  1,
  z.object({ orderId: uuid, userId: uuid, reason: cancelReason }),
  { orderingKey: (data) => `user:${data.userId}` },
);

/** The orders service's stream, `ORDERS`, on `orders.>`. */
export const ordersStream: StreamDefinition = { name: "ORDERS", subjects: ["orders.>"] };
