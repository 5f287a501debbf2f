export * from "./rpc.ts";
export * from "./envelope.ts";
export * from "./users.ts";
export * from "./catalog.ts";
