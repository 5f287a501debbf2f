/**
 * An OTLP/HTTP JSON receiver for tests whose processes export spans with Deno's built-in
 * OpenTelemetry (OTEL_DENO=true, OTEL_EXPORTER_OTLP_PROTOCOL=http/json): the dev dashboard's own
 * receiver and TraceStore (infra/dashboard), served on a port of the test's, so a test reads
 * spans exactly as the dashboard does.
 */
import { otlpReceiver as otlpRoutes } from "../../infra/dashboard/otlp_receiver.ts";
import { type SpanRecord, TraceStore } from "../../infra/dashboard/traces.ts";

/** A span as received (infra/dashboard/otlp_json.ts): kinds and statuses by name. */
export type ReceivedSpan = SpanRecord;

export const spanKind = {
  server: "server",
  client: "client",
  producer: "producer",
  consumer: "consumer",
} as const;
export const statusCode = { unset: "unset", ok: "ok", error: "error" } as const;

/** The environment that makes a Deno process export its spans to the receiver on `port`. */
export function exportingTo(port: number, service: string): Record<string, string> {
  return {
    OTEL_DENO: "true",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_SERVICE_NAME: service,
  };
}

/**
 * Listens on `port` (127.0.0.1): every span received goes into `store`, grouped by trace, and
 * is also pushed onto `spans` when given. `shutdown()` stops listening.
 */
export function otlpReceiver(port: number, spans?: ReceivedSpan[]): {
  store: TraceStore;
  shutdown: () => Promise<void>;
} {
  const store = new TraceStore();
  const keeping = {
    add(received: readonly SpanRecord[]) {
      store.add(received);
      spans?.push(...received);
    },
  };
  const server = Deno.serve(
    { port, hostname: "127.0.0.1", onListen: () => {} },
    otlpRoutes(keeping).fetch,
  );
  return { store, shutdown: () => server.shutdown() };
}
