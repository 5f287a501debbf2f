/**
 * The dev runner's OTLP/HTTP JSON receiver, as Hono routes: `POST /v1/traces` keeps the spans in
 * a TraceStore; `/v1/logs` and `/v1/metrics` are accepted and dropped (the dashboard reads logs
 * from the services' output). With `forwardTo` (the user's own OTEL_EXPORTER_OTLP_ENDPOINT),
 * every export is also sent on there unchanged, so an external collector still sees everything.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { problem } from "../../shared/runtime/bridge_problem.ts";
import { spansFromOtlpJson } from "./otlp_json.ts";
import type { TraceStore } from "./traces.ts";

/** Where the receiver also sends what it gets, and how. */
export interface OtlpForwarding {
  /** A base URL (`http://collector:4318`): `/v1/traces` etc. are appended, as OTLP's SDKs do. */
  forwardTo?: string;
  /**
   * Full URLs per signal path (`{"/v1/traces": "http://collector:4318/v1/traces"}`), as the
   * signal-specific OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT variables give them; they win over
   * `forwardTo` for their signal.
   */
  forwardSignals?: Partial<Record<string, string>>;
  /** Told when forwarding fails (one call per failed export); the export is still answered. */
  onForwardError?: (error: unknown) => void;
  /** For tests. */
  fetch?: typeof fetch;
}

/** OTLP's signals over HTTP, and whether the store keeps them. */
const signals = { "/v1/traces": true, "/v1/logs": false, "/v1/metrics": false } as const;

/** Export bodies larger than this (bytes) are refused with 413; Deno batches far below it. */
export const maxExportBytes = 8 * 1024 * 1024;

/**
 * Routes that receive OTLP/HTTP JSON exports into `store` (mount at the root: the paths are the
 * standard ones). A body that is not JSON is 415 (this receiver has no protobuf decoder; set
 * OTEL_EXPORTER_OTLP_PROTOCOL=http/json), one that does not parse is 400, both problem+json.
 */
export function otlpReceiver(
  store: Pick<TraceStore, "add">,
  forwarding: OtlpForwarding = {},
): Hono {
  const app = new Hono();
  const send = forwarding.fetch ?? fetch;
  const base = forwarding.forwardTo?.replace(/\/+$/, "");
  // Counts the bytes as they arrive: a chunked body has no content-length to check first.
  const tooLarge = bodyLimit({
    maxSize: maxExportBytes,
    onError: () => problem(413, "too_large", `an export over ${maxExportBytes} bytes`),
  });
  for (const [path, kept] of Object.entries(signals)) {
    app.post(
      path,
      async (c, next) => {
        const type = c.req.header("content-type") ?? "";
        if (!type.startsWith("application/json")) {
          return problem(415, "unsupported_media_type", "OTLP over HTTP as JSON only (http/json)");
        }
        return await next();
      },
      tooLarge,
      async (c) => {
        const type = c.req.header("content-type") ?? "";
        const text = await c.req.text();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          return problem(400, "invalid_json", "the export is not JSON");
        }
        if (kept) store.add(spansFromOtlpJson(body));
        const target = forwarding.forwardSignals?.[path] ?? (base && `${base}${path}`);
        if (target) {
          // Not awaited: a slow or absent collector must not hold the services' exporters.
          send(target, { method: "POST", headers: { "content-type": type }, body: text })
            .then((response) => {
              if (!response.ok) throw new Error(`${target} answered ${response.status}`);
              return response.body?.cancel();
            })
            .catch((error) => forwarding.onForwardError?.(error));
        }
        // OTLP's success answer: an empty ExportServiceResponse.
        return c.json({});
      },
    );
  }
  return app;
}
