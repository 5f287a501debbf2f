/**
 * Tracing under `deno task dev`: on by default, every service exporting OTLP/HTTP JSON to the
 * receiver inside the dev runner (the dashboard's port), so traces need no Docker. A user's own
 * OTEL_EXPORTER_OTLP_ENDPOINT still gets everything: the receiver forwards there (and a set
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, which would otherwise send the services' spans past the
 * dashboard, gets the traces, the services exporting to the dashboard). DEV_TRACING=off
 * exports nothing to the dashboard; then a set OTEL_EXPORTER_OTLP_ENDPOINT is exported to directly.
 */

/** How long a service holds finished spans before exporting them under `deno task dev`, in ms. */
export const devSpanExportDelayMs = 500;

/** What the services are given, where the receiver forwards to, and one line saying so. */
export interface DevTracing {
  /** Added to every service's environment (OTEL_SERVICE_NAME comes per service). */
  env: Record<string, string>;
  /** Whether the services export at all. */
  on: boolean;
  /** Whether they export to the dashboard's receiver. */
  toDashboard: boolean;
  /** The user's collector, which the receiver forwards every export to. */
  forwardTo?: string;
  /** Signal paths the user named a collector URL of their own for (`/v1/traces`). */
  forwardSignals?: Partial<Record<string, string>>;
  description: string;
}

/** From DEV_TRACING and OTEL_EXPORTER_OTLP_ENDPOINT (`env`), the receiver at `dashboardUrl`. */
export function devTracing(
  env: (name: string) => string | undefined,
  dashboardUrl: string,
): DevTracing {
  const external = env("OTEL_EXPORTER_OTLP_ENDPOINT") || undefined;
  const externalTraces = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") || undefined;
  const setting = (env("DEV_TRACING") ?? "").trim().toLowerCase();
  if (setting !== "" && setting !== "on" && setting !== "off") {
    throw new Error(`DEV_TRACING is on or off, got "${env("DEV_TRACING")}"`);
  }
  if (setting === "off") {
    if (!external && !externalTraces) {
      return { env: {}, on: false, toDashboard: false, description: "tracing off (DEV_TRACING)" };
    }
    return {
      env: { OTEL_DENO: "true" },
      on: true,
      toDashboard: false,
      description: `tracing to ${
        externalTraces ?? external
      } only (DEV_TRACING=off: none on the dashboard)`,
    };
  }
  return {
    env: {
      OTEL_DENO: "true",
      // The receiver reads JSON only; it forwards the same JSON to a collector.
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: dashboardUrl,
      // The signal's own variable wins over the one above: the user's goes on as a forward.
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${dashboardUrl}/v1/traces`,
      // Deno's exporter otherwise waits seconds before sending a span: a trace opened right after
      // the request would still be missing its last hops.
      OTEL_BSP_SCHEDULE_DELAY: env("OTEL_BSP_SCHEDULE_DELAY") || String(devSpanExportDelayMs),
    },
    on: true,
    toDashboard: true,
    forwardTo: external,
    ...(externalTraces && { forwardSignals: { "/v1/traces": externalTraces } }),
    description: `tracing on: OTLP to the dashboard (${dashboardUrl})` +
      (external || externalTraces ? `, forwarded to ${externalTraces ?? external}` : ""),
  };
}
