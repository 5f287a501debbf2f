/** What the notifications service serves. It publishes nothing. */
import { z } from "zod";
import { defineRpcService } from "./rpc.ts";

export const notificationKind = z.enum(["order_confirmed", "order_cancelled"]);

export const notification = z.object({
  id: z.uuid(),
  orderId: z.uuid(),
  kind: notificationKind,
  message: z.string(),
  at: z.iso.datetime({ offset: true }),
});
export type Notification = z.infer<typeof notification>;

export const notificationsApi = defineRpcService("notifications", {
  listNotifications: {
    request: z.object({ userId: z.uuid() }),
    reply: z.object({ items: z.array(notification) }),
    idempotent: true,
  },
});
