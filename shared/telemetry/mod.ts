export {
  circuitBreakerState,
  registry,
  reportBreakers,
  rpcServerDuration,
  rpcServerRequests,
} from "./metrics.ts";
export {
  activeTraceIds,
  context,
  extractTraceContext,
  type HeaderCarrier,
  injectTraceContext,
  inMessagingSpan,
  recordCarrier,
  SpanKind,
  tracer,
} from "./tracing.ts";
