export {
  circuitBreakerState,
  eventHandleDuration,
  eventsHandled,
  registry,
  reportBreakers,
  reportReading,
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
