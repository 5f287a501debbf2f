export * from "./rpc.ts";
export * from "./envelope.ts";
export * from "./users.ts";
export * from "./catalog.ts";
export * from "./orders.ts";
export * from "./payments.ts";
export * from "./notifications.ts";
