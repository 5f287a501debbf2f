/**
 * The order-history projection, as pure rules: what a row becomes when an order's event
 * arrives. The rules do not care in which order the events come (a terminal status is never
 * undone, the placed event fills in what only it knows, times take the latest), so a rebuild,
 * a replay or a redelivery all lead to the same row.
 */
import type {
  CancelReason,
  EventOf,
  orderCancelled,
  orderConfirmed,
  OrderHistoryEntry,
  orderPlaced,
} from "../../shared/contracts/mod.ts";

export type HistoryRow = Omit<OrderHistoryEntry, "reason"> & {
  userId: string;
  reason: CancelReason | null;
};

export type OrderEvent =
  | EventOf<typeof orderPlaced>
  | EventOf<typeof orderConfirmed>
  | EventOf<typeof orderCancelled>;

const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);

export function project(current: HistoryRow | undefined, event: OrderEvent): HistoryRow {
  const at = event.occurredAt;
  const row: HistoryRow = current ?? {
    orderId: event.data.orderId,
    userId: event.data.userId,
    status: "pending",
    reason: null,
    totalCents: 0,
    itemCount: 0,
    placedAt: at,
    updatedAt: at,
  };
  const updatedAt = later(row.updatedAt, at);
  switch (event.type) {
    case "orders.order.placed":
      return {
        ...row,
        userId: event.data.userId,
        totalCents: event.data.totalCents,
        itemCount: event.data.items.reduce((sum, item) => sum + item.quantity, 0),
        placedAt: at,
        updatedAt,
      };
    case "orders.order.confirmed":
      return row.status === "pending"
        ? { ...row, status: "confirmed", totalCents: event.data.totalCents, updatedAt }
        : { ...row, updatedAt };
    case "orders.order.cancelled":
      return row.status === "pending"
        ? { ...row, status: "cancelled", reason: event.data.reason, updatedAt }
        : { ...row, updatedAt };
  }
}
