export { registry, rpcServerDuration, rpcServerRequests } from "./metrics.ts";
