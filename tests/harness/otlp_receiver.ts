/**
 * A small OTLP/HTTP JSON receiver, for tests whose processes export spans with Deno's built-in
 * OpenTelemetry (OTEL_DENO=true, OTEL_EXPORTER_OTLP_PROTOCOL=http/json): it keeps the spans, and
 * accepts and drops logs and metrics.
 */

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  status: number;
  statusMessage?: string;
}

export const spanKind = { server: 2, client: 3, producer: 4, consumer: 5 };
export const statusCode = { unset: 0, ok: 1, error: 2 };

// OTLP JSON may spell enums as numbers or as names.
const kindNumber = (value: unknown) =>
  typeof value === "number"
    ? value
    : { SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3, SPAN_KIND_PRODUCER: 4, SPAN_KIND_CONSUMER: 5 }[
      String(value)
    ] ?? 0;
const statusNumber = (value: unknown) =>
  typeof value === "number"
    ? value
    : { STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 }[String(value)] ?? 0;

/** The environment that makes a Deno process export its spans to the receiver on `port`. */
export function exportingTo(port: number, service: string): Record<string, string> {
  return {
    OTEL_DENO: "true",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_SERVICE_NAME: service,
  };
}

/** Listens on `port`; every span received is pushed onto `spans`. */
export function otlpReceiver(port: number, spans: ReceivedSpan[]) {
  return Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, async (request) => {
    const body = await request.json().catch(() => ({}));
    if (new URL(request.url).pathname === "/v1/traces") {
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service = (resourceSpans.resource?.attributes ?? [])
          .find((a: { key: string }) => a.key === "service.name")?.value?.stringValue ?? "?";
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              kind: kindNumber(span.kind),
              status: statusNumber(span.status?.code),
              statusMessage: span.status?.message || undefined,
            });
          }
        }
      }
    }
    return Response.json({});
  });
}
