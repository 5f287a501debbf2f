/**
 * Order rules, pure: how an order's status may change, when its saga must have ended, and what
 * makes two requests the same.
 */
import type { CancelReason } from "../../shared/contracts/mod.ts";

export const orderStatuses = ["pending", "confirmed", "cancelled"] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export type OrderChange =
  | { to: "confirmed" }
  | { to: "cancelled"; reason: CancelReason };

/** The order's next status, or null when the change does not apply (it already ended). */
export function nextStatus(current: OrderStatus, change: OrderChange): OrderStatus | null {
  return current === "pending" ? change.to : null;
}

/**
 * The statuses from which `change` applies, each of them leading to `change.to`: what the
 * conditional update that changes a status checks, so it needs no read before it.
 */
export function statusesAllowing(change: OrderChange): OrderStatus[] {
  return orderStatuses.filter((status) => nextStatus(status, change) !== null);
}

/** What the deadline sweep does to a pending order past its deadline. */
export const expiry: OrderChange = { to: "cancelled", reason: "timed_out" };

/**
 * When the saga of an order placed at `placedAt` must have ended, `deadlineMs` later; past it, a
 * pending order is cancelled (`expiry`) and whatever happened is compensated.
 */
export function sagaDeadline(placedAt: Date, deadlineMs: number): Date {
  return new Date(placedAt.getTime() + deadlineMs);
}

/**
 * Whether the deadline sweep expires an order with `status` and `deadlineAt` at `now`: still
 * open to `expiry` (pending) and its deadline reached. The sweep's query says the same in SQL.
 */
export function isOverdue(
  order: { status: OrderStatus; deadlineAt: Date },
  now: Date,
): boolean {
  return statusesAllowing(expiry).includes(order.status) && order.deadlineAt <= now;
}

/**
 * What an `Idempotency-Key` is bound to: the items, as sent. A repeat with the same key must
 * carry the same items to get the same order.
 */
export function requestFingerprint(items: readonly { productId: string; quantity: number }[]) {
  return JSON.stringify(items.map(({ productId, quantity }) => [productId, quantity]));
}

/** Why an order was cancelled, in words for its customer. */
export function cancellationMessage(reason: CancelReason): string {
  switch (reason) {
    case "payment_declined":
      return "the payment was declined";
    case "out_of_stock":
      return "an item was out of stock; the payment was refunded";
    case "timed_out":
      return "it could not be completed in time; any payment is refunded";
  }
}
