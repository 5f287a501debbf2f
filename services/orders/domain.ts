/** Order rules, pure: how an order's status may change, and what makes two requests the same. */
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

/**
 * What an `Idempotency-Key` is bound to: the items, as sent. A repeat with the same key must
 * carry the same items to get the same order.
 */
export function requestFingerprint(items: readonly { productId: string; quantity: number }[]) {
  return JSON.stringify(items.map(({ productId, quantity }) => [productId, quantity]));
}

export function cancellationMessage(reason: CancelReason): string {
  return reason === "payment_declined"
    ? "the payment was declined"
    : "an item was out of stock; the payment was refunded";
}
