/** What a user is told, pure: the text of each notification. */
import type { CancelReason } from "../../shared/contracts/mod.ts";

const euros = (cents: number) => `${(cents / 100).toFixed(2)}`;

export function confirmedMessage(orderId: string, totalCents: number): string {
  return `Your order ${orderId} is confirmed: ${euros(totalCents)} charged.`;
}

/** The text of a cancellation, by its reason. */
export function cancelledMessage(orderId: string, reason: CancelReason): string {
  switch (reason) {
    case "payment_declined":
      return `Your order ${orderId} was cancelled: the payment was declined.`;
    case "out_of_stock":
      return `Your order ${orderId} was cancelled: an item was out of stock. You were refunded.`;
    case "timed_out":
      return `Your order ${orderId} was cancelled: it could not be completed in time. ` +
        "Any payment taken is refunded.";
  }
}
