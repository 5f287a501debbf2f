export {
  circuitBreakerState,
  eventConsumerRecreated,
  eventHandleDuration,
  eventsHandled,
  outboxPublishFailures,
  registers,
  registry,
  reportBreakers,
  reportReading,
  rpcServerDuration,
  type RpcServerMetrics,
  rpcServerMetrics,
  rpcServerRequests,
  sagaCompensationsFailed,
} from "./metrics.ts";
export { prometheus, prometheusMissing } from "./prometheus.ts";
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
