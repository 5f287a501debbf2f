/**
 * Process-wide RED metrics in Prometheus form, recorded through the OpenTelemetry API too, so
 * they are exported over OTLP when tracing is on. One registry per process: in tests several
 * services share a process, so their series differ by the `service` label. A build without
 * Prometheus's client (a service's bundle) records through OpenTelemetry only.
 */
import { metrics } from "@opentelemetry/api";
import type { Registry } from "prom-client";
import type { BreakerRegistry, BreakerState } from "../resilience/mod.ts";
import { BoundHistogram } from "./bound_histogram.ts";
import { prometheus as prom } from "./prometheus.ts";

/**
 * The process's Prometheus registry: every metric below, served as text by each service's
 * /metrics; `undefined` in a build without Prometheus's client (shared/telemetry/prometheus.ts).
 */
export const registry: Registry | undefined = prom && new prom.Registry();

/** What a metric of this process registers with: `[registry]`, or none without the client. */
export const registers: Registry[] = registry ? [registry] : [];
const meter = metrics.getMeter("platform");

type Labels = Record<string, string>;

/**
 * A counter in /metrics and over OTLP. Counts are kept per label set and added to prom-client's
 * counter when a registry reads it (`collect`): its `inc` checks and hashes the labels on every
 * call. `bind(labels)` finds the label set once, for a path taken per request.
 */
function counter(name: string, help: string, labelNames: string[]) {
  const pending = new Map<string, { labels: Labels; count: number }>();
  const counted = prom && new prom.Counter({
    name,
    help,
    labelNames,
    registers,
    collect() {
      for (const entry of pending.values()) {
        if (entry.count > 0) this.inc(entry.labels, entry.count);
        entry.count = 0;
      }
    },
  });
  const otel = meter.createCounter(name, { description: help });
  const bind = (labels: Labels): () => void => {
    if (!counted) return () => otel.add(1, labels);
    const key = labelNames.map((label) => labels[label]).join("\u0000");
    let entry = pending.get(key);
    if (!entry) pending.set(key, entry = { labels: { ...labels }, count: 0 });
    const found = entry;
    return () => {
      found.count++;
      otel.add(1, labels);
    };
  };
  return { inc: (labels: Labels) => bind(labels)(), bind };
}

/** A histogram of seconds in /metrics (see BoundHistogram) and over OTLP; `bind` as a counter's. */
function histogram(name: string, help: string, labelNames: string[]) {
  const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
  const observed = prom && new BoundHistogram(name, help, labelNames, buckets, registers);
  const otel = meter.createHistogram(name, { description: help, unit: "s" });
  const bind = (labels: Labels): (seconds: number) => void => {
    const record = observed?.bind(labels);
    return (seconds) => (record?.(seconds), otel.record(seconds, labels));
  };
  return { observe: (labels: Labels, seconds: number) => bind(labels)(seconds), bind };
}

/**
 * `rpc_server_requests_total{service, endpoint, outcome}`: requests answered, `outcome` `ok` or an
 * error kind.
 */
export const rpcServerRequests = counter(
  "rpc_server_requests_total",
  "RPC requests handled, by endpoint and outcome (ok or an error kind).",
  ["service", "endpoint", "outcome"],
);

/** `rpc_server_duration_seconds{service, endpoint}`: time to answer a request, in seconds. */
export const rpcServerDuration = histogram(
  "rpc_server_duration_seconds",
  "Time to answer an RPC request.",
  ["service", "endpoint"],
);

/** The RED metrics of one endpoint. */
export interface RpcServerMetrics {
  /** Counts one request by outcome (ok or an error kind) and records how long it took. */
  record(outcome: string, seconds: number): void;
}

/** One endpoint's RED metrics, with its label sets bound once rather than per request. */
export function rpcServerMetrics(service: string, endpoint: string): RpcServerMetrics {
  const labels = { service, endpoint };
  const observe = rpcServerDuration.bind(labels);
  const byOutcome = new Map<string, () => void>();
  return {
    record(outcome, seconds) {
      let count = byOutcome.get(outcome);
      if (!count) byOutcome.set(outcome, count = rpcServerRequests.bind({ ...labels, outcome }));
      count();
      observe(seconds);
    },
  };
}

/**
 * `events_handled_total{service, event, outcome}`: events taken from a stream, `outcome` applied,
 * duplicate, ignored, retry or dead.
 */
export const eventsHandled = counter(
  "events_handled_total",
  "Events taken from a stream, by type and outcome (applied, duplicate, ignored, retry, dead).",
  ["service", "event", "outcome"],
);

/**
 * `event_handle_duration_seconds{service, event}`: time to handle an event, its transaction
 * included, in seconds.
 */
export const eventHandleDuration = histogram(
  "event_handle_duration_seconds",
  "Time to handle an event, its transaction included.",
  ["service", "event"],
);

/**
 * `event_consumer_recreated_total{service, stream}`: durable consumers recreated after the server
 * lost them or their stream.
 */
export const eventConsumerRecreated = counter(
  "event_consumer_recreated_total",
  "Durable consumers recreated while running, after the server lost them or their stream.",
  ["service", "stream"],
);

/**
 * `outbox_publish_failures_total{service, outcome}`: failed publishes of outbox rows, `outcome`
 * retry or parked.
 */
export const outboxPublishFailures = counter(
  "outbox_publish_failures_total",
  "Outbox rows whose publish failed, by outcome: retry (tried again later) or parked.",
  ["service", "outcome"],
);

/**
 * `saga_compensations_failed_total{service, compensation}`: compensations (refund, release) given
 * up on after every delivery failed; each leaves its saga `compensation_failed` until an operator
 * retries it. Counted as the service gives up: a message that comes back because even the failure
 * could not be stated counts again when it is given up on again.
 */
export const sagaCompensationsFailed = counter(
  "saga_compensations_failed_total",
  "Saga compensations given up on after every delivery failed, by service and compensation.",
  ["service", "compensation"],
);

const breakerRegistries = new Set<{ service: string; breakers: BreakerRegistry }>();
const stateCode: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

function* breakerStates(): Generator<[Labels, number]> {
  for (const { service, breakers } of breakerRegistries) {
    for (const breaker of breakers.all()) {
      yield [{ service, downstream: breaker.name }, stateCode[breaker.state]];
    }
  }
}

const breakerHelp =
  "State of the breaker before each downstream service: 0 closed, 1 half-open, 2 open.";

/**
 * `circuit_breaker_state{service, downstream}`: 0 closed, 1 half-open, 2 open; read from the
 * registered breakers (`reportBreakers`) when scraped or exported. `undefined` without
 * Prometheus's client.
 */
export const circuitBreakerState = prom && new prom.Gauge({
  name: "circuit_breaker_state",
  help: breakerHelp,
  labelNames: ["service", "downstream"],
  registers,
  collect() {
    this.reset();
    for (const [labels, code] of breakerStates()) this.set(labels, code);
  },
});
meter.createObservableGauge("circuit_breaker_state", { description: breakerHelp }).addCallback(
  (result) => {
    for (const [labels, code] of breakerStates()) result.observe(code, labels);
  },
);

/** Reports a service's breakers in /metrics. */
export function reportBreakers(service: string, breakers: BreakerRegistry) {
  breakerRegistries.add({ service, breakers });
}

/** A figure read when metrics are scraped: consumer lag, outbox backlog. */
export type Reading = () => Promise<number>;

const readings = new Map<string, { name: string; labels: Labels; read: Reading }>();

function readingGauge(name: string, help: string, labelNames: string[]) {
  if (prom) {
    readingPromGauge(name, help, labelNames, prom);
  }
  meter.createObservableGauge(name, { description: help }).addCallback(async (result) => {
    for (const reading of readings.values()) {
      if (reading.name !== name) continue;
      const value = await reading.read().catch(() => NaN);
      if (!Number.isNaN(value)) result.observe(value, reading.labels);
    }
  });
}

function readingPromGauge(
  name: string,
  help: string,
  labelNames: string[],
  client: NonNullable<typeof prom>,
) {
  new client.Gauge({
    name,
    help,
    labelNames,
    registers,
    async collect() {
      this.reset();
      for (const reading of readings.values()) {
        if (reading.name !== name) continue;
        const value = await reading.read().catch(() => NaN);
        if (!Number.isNaN(value)) this.set(reading.labels, value);
      }
    },
  });
}

readingGauge(
  "consumer_pending_messages",
  "Messages of a stream a durable consumer has not yet been given or has not yet acknowledged.",
  ["service", "stream"],
);
readingGauge(
  "outbox_backlog_events",
  "Events committed to the outbox and not yet published (parked rows not counted).",
  ["service"],
);
readingGauge(
  "outbox_parked_events",
  "Outbox rows parked: they cannot be published as they are; see `deno task ops outbox`.",
  ["service"],
);

/** Registers a reading; the returned function stops it (a consumer or relay that stopped). */
export function reportReading(name: string, labels: Labels, read: Reading): () => void {
  const key = `${name}${JSON.stringify(labels)}`;
  readings.set(key, { name, labels, read });
  return () => readings.delete(key);
}
