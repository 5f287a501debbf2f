/**
 * Decoding OTLP/HTTP JSON trace exports (what Deno's built-in OpenTelemetry sends with
 * OTEL_EXPORTER_OTLP_PROTOCOL=http/json) into flat spans. Written by hand: the OpenTelemetry
 * packages on npm encode this format but none decodes it, and the JSON mapping is small.
 */

/** OpenTelemetry's span kinds, by name. */
export type SpanKindName = "internal" | "server" | "client" | "producer" | "consumer";

/** A span's status as OTLP says it; `error` marks the span (and its trace) failed. */
export type SpanStatus = "unset" | "ok" | "error";

/** An attribute's value, flattened from OTLP's `AnyValue`. */
export type AttributeValue = string | number | boolean | AttributeValue[] | null;

/** One span, flattened: times in milliseconds since the epoch (fractional). */
export interface SpanRecord {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** Absent on a root span. */
  parentSpanId?: string;
  name: string;
  /** `service.name` of the process that made it; `?` when it did not say. */
  service: string;
  kind: SpanKindName;
  startMs: number;
  durationMs: number;
  status: SpanStatus;
  statusMessage?: string;
  attributes: Record<string, AttributeValue>;
}

const kinds: SpanKindName[] = ["internal", "internal", "server", "client", "producer", "consumer"];
const kindNames: Record<string, SpanKindName> = {
  SPAN_KIND_INTERNAL: "internal",
  SPAN_KIND_SERVER: "server",
  SPAN_KIND_CLIENT: "client",
  SPAN_KIND_PRODUCER: "producer",
  SPAN_KIND_CONSUMER: "consumer",
};
const statuses: SpanStatus[] = ["unset", "ok", "error"];
const statusNames: Record<string, SpanStatus> = {
  STATUS_CODE_OK: "ok",
  STATUS_CODE_ERROR: "error",
};

// OTLP JSON may spell enums as numbers or as their names (the protobuf JSON mapping allows both).
const kindOf = (value: unknown): SpanKindName =>
  (typeof value === "number" ? kinds[value] : kindNames[String(value)]) ?? "internal";
const statusOf = (value: unknown): SpanStatus =>
  (typeof value === "number" ? statuses[value] : statusNames[String(value)]) ?? "unset";

/** Nanoseconds since the epoch (a decimal string in OTLP JSON, 64-bit) to milliseconds. */
function nanosToMs(value: unknown): number {
  if (typeof value === "number") return value / 1e6;
  if (typeof value !== "string" || !/^\d+$/.test(value)) return 0;
  // Exact to the microsecond: split before converting, as 19 digits overflow a double's precision.
  const whole = value.length > 6 ? Number(value.slice(0, -6)) : 0;
  return whole + Number(value.slice(-6)) / 1e6;
}

interface OtlpKeyValue {
  key?: string;
  value?: OtlpAnyValue;
}
interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}

function anyValue(value: OtlpAnyValue | undefined): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(anyValue);
  if (value.kvlistValue) return JSON.stringify(attributesOf(value.kvlistValue.values));
  return value.bytesValue ?? null;
}

function attributesOf(list: unknown): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!Array.isArray(list)) return out;
  for (const item of list as OtlpKeyValue[]) {
    if (typeof item?.key === "string") out[item.key] = anyValue(item.value);
  }
  return out;
}

const hex = (value: unknown, length: number) =>
  typeof value === "string" && value.length === length && /^[0-9a-f]+$/i.test(value)
    ? value.toLowerCase()
    : undefined;

/**
 * The spans of one OTLP `ExportTraceServiceRequest` in JSON (`{resourceSpans: [...]}`). Spans
 * without a valid trace or span id are skipped; anything else missing gets a neutral value.
 * Never throws, whatever `body` is.
 */
export function spansFromOtlpJson(body: unknown): SpanRecord[] {
  const spans: SpanRecord[] = [];
  const resources = (body as { resourceSpans?: unknown })?.resourceSpans;
  if (!Array.isArray(resources)) return spans;
  for (const resource of resources) {
    const service = String(attributesOf(resource?.resource?.attributes)["service.name"] ?? "?");
    for (const scope of Array.isArray(resource?.scopeSpans) ? resource.scopeSpans : []) {
      for (const span of Array.isArray(scope?.spans) ? scope.spans : []) {
        const traceId = hex(span?.traceId, 32);
        const spanId = hex(span?.spanId, 16);
        if (!traceId || !spanId) continue;
        const startMs = nanosToMs(span.startTimeUnixNano);
        const endMs = nanosToMs(span.endTimeUnixNano);
        spans.push({
          traceId,
          spanId,
          parentSpanId: hex(span.parentSpanId, 16),
          name: typeof span.name === "string" ? span.name : "",
          service,
          kind: kindOf(span.kind),
          startMs,
          durationMs: Math.max(0, endMs - startMs),
          status: statusOf(span.status?.code),
          ...(span.status?.message ? { statusMessage: String(span.status.message) } : {}),
          attributes: attributesOf(span.attributes),
        });
      }
    }
  }
  return spans;
}
