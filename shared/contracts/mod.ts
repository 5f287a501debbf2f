import { stockRejected, stockReleased, stockReserved } from "./catalog.ts";
import { orderCancelled, orderConfirmed, orderPlaced } from "./orders.ts";
import { paymentCharged, paymentDeclined, paymentRefunded } from "./payments.ts";
import { userRegistered } from "./users.ts";
import { operatorActed } from "./operations.ts";

export * from "./rpc.ts";
export * from "./limits.ts";
export * from "./fields.ts";
export * from "./envelope.ts";
export * from "./users.ts";
export * from "./catalog.ts";
export * from "./orders.ts";
export * from "./payments.ts";
export * from "./notifications.ts";
export * from "./history.ts";
export * from "./operations.ts";
export * from "./paging.ts";

/** Every event of the platform: contract tests walk this list, so none escapes them. */
export const allEvents = [
  userRegistered,
  orderPlaced,
  orderConfirmed,
  orderCancelled,
  paymentCharged,
  paymentDeclined,
  paymentRefunded,
  stockReserved,
  stockRejected,
  stockReleased,
  operatorActed,
];
