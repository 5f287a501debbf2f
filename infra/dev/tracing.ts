/**
 * Tracing under `deno task dev`: on by default, every service exporting OTLP/HTTP JSON to the
 * receiver inside the dev runner (the dashboard's port), so traces need no Docker. A user's own
 * OTEL_EXPORTER_OTLP_ENDPOINT still gets everything: the receiver forwards there. DEV_TRACING=off
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
  description: string;
}

/** From DEV_TRACING and OTEL_EXPORTER_OTLP_ENDPOINT (`env`), the receiver at `dashboardUrl`. */
export function devTracing(
  env: (name: string) => string | undefined,
  dashboardUrl: string,
): DevTracing {
  const external = env("OTEL_EXPORTER_OTLP_ENDPOINT") || undefined;
  const setting = (env("DEV_TRACING") ?? "").trim().toLowerCase();
  if (setting !== "" && setting !== "on" && setting !== "off") {
    throw new Error(`DEV_TRACING is on or off, got "${env("DEV_TRACING")}"`);
  }
  if (setting === "off") {
    if (!external) {
      return { env: {}, on: false, toDashboard: false, description: "tracing off (DEV_TRACING)" };
    }
    return {
      env: { OTEL_DENO: "true" },
      on: true,
      toDashboard: false,
      description: `tracing to ${external} only (DEV_TRACING=off: none on the dashboard)`,
    };
  }
  return {
    env: {
      OTEL_DENO: "true",
      // The receiver reads JSON only; it forwards the same JSON to a collector.
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: dashboardUrl,
      // Deno's exporter otherwise waits seconds before sending a span: a trace opened right after
      // the request would still be missing its last hops.
      OTEL_BSP_SCHEDULE_DELAY: env("OTEL_BSP_SCHEDULE_DELAY") || String(devSpanExportDelayMs),
    },
    on: true,
    toDashboard: true,
    forwardTo: external,
    description: `tracing on: OTLP to the dashboard (${dashboardUrl})` +
      (external ? `, forwarded to ${external}` : ""),
  };
}
