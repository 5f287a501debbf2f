export {
  BreakerRegistry,
  type BreakerState,
  CircuitBreaker,
  countsAgainst,
  defaultBreakerOptions,
} from "./breaker.ts";
export { Bulkhead, type BulkheadOptions } from "./bulkhead.ts";
export {
  asksToWait,
  backoffDelay,
  defaultRetryPolicy,
  isTransient,
  type RetryPolicy,
  withRetry,
} from "./retry.ts";
