/** OTLP/HTTP JSON export bodies shaped as Deno's built-in OpenTelemetry sends them, for tests. */

/** A span to put in an export; times in milliseconds since the epoch. */
export interface FixtureSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number | string;
  startMs: number;
  durationMs: number;
  error?: boolean;
  attributes?: Record<string, string | number | boolean>;
}

const nanos = (ms: number) => `${BigInt(Math.round(ms * 1e6))}`;

const anyValue = (value: string | number | boolean) =>
  typeof value === "string"
    ? { stringValue: value }
    : typeof value === "boolean"
    ? { boolValue: value }
    : Number.isInteger(value)
    ? { intValue: String(value) }
    : { doubleValue: value };

/** The body one process (`service`) exports for `spans`. */
export function otlpExport(service: string, spans: FixtureSpan[]) {
  return {
    resourceSpans: [{
      resource: {
        attributes: [
          { key: "telemetry.sdk.name", value: { stringValue: "deno-opentelemetry" } },
          { key: "service.name", value: { stringValue: service } },
        ],
      },
      scopeSpans: [{
        scope: { name: "platform" },
        spans: spans.map((span) => ({
          traceId: span.traceId,
          spanId: span.spanId,
          traceState: "",
          parentSpanId: span.parentSpanId ?? "",
          flags: 257,
          name: span.name,
          kind: span.kind ?? 1,
          startTimeUnixNano: nanos(span.startMs),
          endTimeUnixNano: nanos(span.startMs + span.durationMs),
          attributes: Object.entries(span.attributes ?? {}).map(([key, value]) => ({
            key,
            value: anyValue(value),
          })),
          events: [],
          links: [],
          status: span.error ? { code: 2, message: "boom" } : { code: 0, message: "" },
        })),
      }],
    }],
  };
}

/** A trace id (32 hex digits) whose digits are all `digit`. */
export const traceIdOf = (digit: string | number) => String(digit).repeat(32).slice(0, 32);
/** A span id (16 hex digits) whose digits are all `digit`. */
export const spanIdOf = (digit: string | number) => String(digit).repeat(16).slice(0, 16);
