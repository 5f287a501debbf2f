/**
 * Prometheus's client, loaded when this module is imported: absent from a service's bundle
 * (`deno task build` leaves it out), whose metrics go over OTLP only (Deno's built-in
 * OpenTelemetry, OTEL_DENO=true, which Deno Deploy turns on), and present everywhere else.
 */
import type * as PromClient from "prom-client";

const loaded: { module?: typeof PromClient; missing?: string } = await import("prom-client").then(
  (module) => ({ module }),
  (error: Error) => ({ missing: error.message.split("\n")[0] }),
);

/** prom-client's module, or `undefined` in a build that does not carry it. */
export const prometheus: typeof PromClient | undefined = loaded.module;

/** Why prom-client is absent (its import's error, first line), or `undefined` when loaded. */
export const prometheusMissing: string | undefined = loaded.missing;
