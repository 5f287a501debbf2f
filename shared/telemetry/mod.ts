export {
  circuitBreakerState,
  eventHandleDuration,
  eventsHandled,
  registry,
  reportBreakers,
  reportReading,
  rpcServerDuration,
  type RpcServerMetrics,
  rpcServerMetrics,
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
  tracing,
} from "./tracing.ts";
