/** What the notifications service serves. It publishes nothing. */
import * as z from "zod";
import { maxPageSize, nextCursor, pageRequest } from "./paging.ts";
import { defineRpcService } from "./rpc.ts";
import { text, timestamp, uuid } from "./fields.ts";
import { maxMessageLength } from "./limits.ts";

/** What a notification tells: an order confirmed or cancelled (one per order). */
export const notificationKind = z.enum(["order_confirmed", "order_cancelled"]);

/** One message to a user about one of their orders. */
export const notification = z.object({
  id: uuid,
  orderId: uuid,
  kind: notificationKind,
  message: text(maxMessageLength),
  at: timestamp,
});
/** A notification as `notification` describes it. */
export type Notification = z.infer<typeof notification>;

/** The notifications service's one endpoint, `listNotifications`, idempotent. */
export const notificationsApi = defineRpcService("notifications", {
  /** The user's notifications, newest first, a page at a time (shared/contracts/paging.ts). */
  listNotifications: {
    request: z.object({ userId: uuid, ...pageRequest }),
    reply: z.object({ items: z.array(notification).max(maxPageSize), next: nextCursor }),
    idempotent: true,
  },
});
