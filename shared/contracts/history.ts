/** What the history service serves: a user's order history, a read model built from events. */
import * as z from "zod";
import { cancelReason, orderStatus } from "./orders.ts";
import { maxPageSize, nextCursor, pageRequest } from "./paging.ts";
import { defineRpcService } from "./rpc.ts";
import { orderTotalCents } from "./catalog.ts";
import { timestamp, uuid } from "./fields.ts";
import { maxOrderLines, maxQuantity } from "./limits.ts";

/**
 * One order in a user's history (the read model): its status, the reason when cancelled, the total
 * in cents, the units ordered, and when it was placed and last changed.
 */
export const orderHistoryEntry = z.object({
  orderId: uuid,
  status: orderStatus,
  reason: cancelReason.optional(),
  totalCents: orderTotalCents,
  /** The units of all its lines added up. */
  itemCount: z.number().int().nonnegative().max(maxOrderLines * maxQuantity),
  placedAt: timestamp,
  updatedAt: timestamp,
});
/** An entry as `orderHistoryEntry` describes it. */
export type OrderHistoryEntry = z.infer<typeof orderHistoryEntry>;

/** The history service's one endpoint, `orderHistory`, idempotent. */
export const historyApi = defineRpcService("history", {
  /**
   * The user's orders, newest first, a page at a time (shared/contracts/paging.ts), with what
   * all of them add up to: `totals` covers every order, whichever page is asked for.
   */
  orderHistory: {
    request: z.object({ userId: uuid, ...pageRequest }),
    reply: z.object({
      orders: z.array(orderHistoryEntry).max(maxPageSize),
      next: nextCursor,
      totals: z.object({
        orders: z.number().int().nonnegative(),
        pending: z.number().int().nonnegative(),
        confirmed: z.number().int().nonnegative(),
        cancelled: z.number().int().nonnegative(),
        /** What the confirmed orders cost. */
        confirmedCents: z.number().int().nonnegative(),
      }),
    }),
    idempotent: true,
  },
});
