export {
  BreakerRegistry,
  type BreakerState,
  CircuitBreaker,
  defaultBreakerOptions,
} from "./breaker.ts";
export {
  backoffDelay,
  defaultRetryPolicy,
  isTransient,
  type RetryPolicy,
  withRetry,
} from "./retry.ts";
