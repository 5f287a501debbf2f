export {
  circuitBreakerState,
  registry,
  reportBreakers,
  rpcServerDuration,
  rpcServerRequests,
} from "./metrics.ts";
