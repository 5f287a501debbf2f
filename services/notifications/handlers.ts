/** What notifications does: tells the user when their order is confirmed or cancelled. */
import { orderCancelled, orderConfirmed } from "../../shared/contracts/mod.ts";
import { on } from "../../shared/events/mod.ts";
import { cancelledMessage, confirmedMessage } from "./messages.ts";
import { recordNotification } from "./store.ts";

export const notificationsHandlers = {
  orders: [
    on(orderConfirmed, async (event, { tx, log }) => {
      const { orderId, userId, totalCents } = event.data;
      const message = confirmedMessage(orderId, totalCents);
      await recordNotification(tx, { userId, orderId, kind: "order_confirmed", message });
      log.info("notification sent (simulated)", { orderId, kind: "order_confirmed" });
    }, { reads: ["orderId", "userId", "totalCents"] }),
    on(orderCancelled, async (event, { tx, log }) => {
      const { orderId, userId, reason } = event.data;
      const message = cancelledMessage(orderId, reason);
      await recordNotification(tx, { userId, orderId, kind: "order_cancelled", message });
      log.info("notification sent (simulated)", { orderId, kind: "order_cancelled" });
    }, { reads: ["orderId", "userId", "reason"] }),
  ],
};
