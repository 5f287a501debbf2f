/** What a user is told, pure: the text of each notification. */
import type { CancelReason } from "../../shared/contracts/mod.ts";

const euros = (cents: number) => `${(cents / 100).toFixed(2)}`;

export function confirmedMessage(orderId: string, totalCents: number): string {
  return `Your order ${orderId} is confirmed: ${euros(totalCents)} charged.`;
}

export function cancelledMessage(orderId: string, reason: CancelReason): string {
  return reason === "payment_declined"
    ? `Your order ${orderId} was cancelled: the payment was declined.`
    : `Your order ${orderId} was cancelled: an item was out of stock. You were refunded.`;
}
