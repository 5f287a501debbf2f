import { catalogApi, stockRejected, stockReleased, stockReserved } from "./catalog.ts";
import { notificationsApi } from "./notifications.ts";
import { orderCancelled, orderConfirmed, orderPlaced, ordersApi } from "./orders.ts";
import { paymentCharged, paymentDeclined, paymentRefunded, paymentsApi } from "./payments.ts";
import { userRegistered, usersApi } from "./users.ts";

export * from "./rpc.ts";
export * from "./envelope.ts";
export * from "./users.ts";
export * from "./catalog.ts";
export * from "./orders.ts";
export * from "./payments.ts";
export * from "./notifications.ts";

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
];

/** Every RPC service of the platform. */
export const allRpcServices = [usersApi, catalogApi, ordersApi, paymentsApi, notificationsApi];
