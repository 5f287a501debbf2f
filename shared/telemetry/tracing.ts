/**
 * Tracing with `@opentelemetry/api`, exported by Deno's built-in OpenTelemetry (OTEL_DENO=true
 * and the standard OTEL_* variables; off, every call here is a no-op). The W3C trace context
 * travels in NATS headers on every request and every JetStream publish; span names and
 * attributes follow OpenTelemetry's messaging conventions.
 */
import {
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { errorText } from "../errors/mod.ts";

/**
 * The platform's OpenTelemetry tracer (`platform`); spans go nowhere unless a provider is
 * registered (`OTEL_DENO=true`).
 */
export const tracer = trace.getTracer("platform");
export { context, SpanKind };

/** Something that holds headers by name: NATS headers, or a plain object kept in the outbox. */
export interface HeaderCarrier {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
}

// Built once: injecting runs on every request and publish.
const setter = { set: (c: HeaderCarrier, key: string, value: string) => c.set(key, value) };
const getter = {
  get: (c: HeaderCarrier, key: string) => c.get(key) || undefined,
  keys: () => ["traceparent", "tracestate"],
};

/** Writes the active trace context (traceparent, tracestate) into `carrier`. */
export function injectTraceContext(carrier: HeaderCarrier, from: Context = context.active()) {
  propagation.inject(from, carrier, setter);
}

/** The trace context `carrier` brings, to parent the spans of its handling. */
export function extractTraceContext(carrier: HeaderCarrier | undefined): Context {
  if (!carrier) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier, getter);
}

/** A plain object as a carrier: what the outbox stores beside an event. */
export function recordCarrier(record: Record<string, string> = {}): HeaderCarrier & {
  record: Record<string, string>;
} {
  return {
    record,
    get: (name) => record[name],
    set: (name, value) => void (record[name] = value),
  };
}

/**
 * What a messaging span is about, named and attributed after OpenTelemetry's messaging conventions
 * (`messaging.operation.type`, `messaging.destination.name`, ...).
 */
export interface MessagingSpan {
  /** send (request, publish) or process (handle). */
  operation: "send" | "process" | "publish";
  /** The subject or event type, in the span's name. */
  destination: string;
  kind: SpanKind;
  messageId?: string;
  consumerGroup?: string;
}

/**
 * Whether spans go anywhere. With no provider registered (Deno's OTEL_DENO off) the API answers
 * with its proxy and every span is a no-op: not worth building per request.
 */
export const tracing = () => !(trace.getTracerProvider() instanceof ProxyTracerProvider);
const untraced = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Runs `work` in a span named `<operation> <destination>`, ended (and marked) when it settles. */
export function inMessagingSpan<T>(
  span: MessagingSpan,
  parent: Context,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  if (!tracing()) return work(untraced);
  return tracer.startActiveSpan(
    `${span.operation} ${span.destination}`,
    {
      kind: span.kind,
      attributes: {
        "messaging.system": "nats",
        "messaging.operation.type": span.operation,
        "messaging.destination.name": span.destination,
        ...(span.messageId ? { "messaging.message.id": span.messageId } : {}),
        ...(span.consumerGroup ? { "messaging.consumer.group.name": span.consumerGroup } : {}),
      },
    },
    parent,
    async (active) => {
      try {
        return await work(active);
      } catch (error) {
        active.setStatus({ code: SpanStatusCode.ERROR, message: errorText(error) });
        throw error;
      } finally {
        active.end();
      }
    },
  );
}

/** The ids of the active span, for log lines; empty when nothing is traced. */
export function activeTraceIds(): { traceId?: string; spanId?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return traceFlags === 0 && /^0+$/.test(traceId) ? {} : { traceId, spanId };
}
