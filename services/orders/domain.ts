/** Order rules, pure: how an order's status may change, and what makes two requests the same. */
import type { CancelReason } from "../../shared/contracts/mod.ts";

export type OrderStatus = "pending" | "confirmed" | "cancelled";

export type OrderChange =
  | { to: "confirmed" }
  | { to: "cancelled"; reason: CancelReason };

/** The order's next status, or null when the change does not apply (it already ended). */
export function nextStatus(current: OrderStatus, change: OrderChange): OrderStatus | null {
  return current === "pending" ? change.to : null;
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
