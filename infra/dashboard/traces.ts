/**
 * The dev runner's trace store: spans the services export (over OTLP, see otlp_receiver.ts),
 * grouped by trace, in memory, bounded. A trace's spans arrive in several batches from several
 * processes (a saga's last hop seconds after the first), so a trace is kept while it still
 * gains spans and the one that has gone longest without a new span is dropped first.
 */
import type { SpanRecord } from "./otlp_json.ts";

export type { AttributeValue, SpanKindName, SpanRecord, SpanStatus } from "./otlp_json.ts";

/** One line of the list of recent traces. Times in milliseconds (start: since the epoch). */
export interface TraceSummary {
  traceId: string;
  /** The root span's name (`POST /orders`); the earliest span's when no root arrived. */
  rootName: string;
  rootService: string;
  startMs: number;
  /** From the earliest start to the latest end among its spans. */
  durationMs: number;
  spanCount: number;
  /** Services with a span in it, in the order they first appear. */
  services: string[];
  /** Whether any span has status error. */
  error: boolean;
  /** Whether it is a probe's: its root serves GET /health, /ready or /metrics (see `probePaths`). */
  probe: boolean;
  /** When its last span was received (`Date.now()` clock), to tell a trace still growing. */
  receivedMs: number;
}

/** How much a store keeps. */
export interface TraceStoreLimits {
  /**
   * Traces kept (2,000 by default); beyond, the least recently grown goes, a probe's first once
   * probes hold a quarter of the store (the dashboard's own polling must not push requests out).
   */
  maxTraces?: number;
  /** Spans kept per trace (1,000 by default); later ones are counted in `dropped` only. */
  maxSpansPerTrace?: number;
}

/** The paths whose GET is a probe (liveness, readiness, metrics): not shown unless asked. */
export const probePaths = new Set(["/health", "/ready", "/metrics", "/metrics/services"]);

interface StoredTrace {
  spans: SpanRecord[];
  receivedMs: number;
  summary?: TraceSummary;
}

/** Recent traces by id, bounded by `TraceStoreLimits`; every method is synchronous and cheap. */
export class TraceStore {
  readonly #traces = new Map<string, StoredTrace>();
  /** The ids of held traces whose root is a probe's, least recently grown first. */
  readonly #probes = new Set<string>();
  readonly #maxTraces: number;
  readonly #maxSpans: number;
  /** Spans refused because their trace was full. */
  dropped = 0;

  constructor(limits: TraceStoreLimits = {}, readonly now: () => number = Date.now) {
    this.#maxTraces = limits.maxTraces ?? 2_000;
    this.#maxSpans = limits.maxSpansPerTrace ?? 1_000;
  }

  /** Traces held. */
  get size(): number {
    return this.#traces.size;
  }

  /** Adds spans (any traces, any order); a span id already held is replaced. */
  add(spans: readonly SpanRecord[]): void {
    const receivedMs = this.now();
    for (const span of spans) {
      const held = this.#traces.get(span.traceId);
      // Map order is the eviction order: a trace that grows moves to the back.
      if (held) this.#traces.delete(span.traceId);
      const trace = held ?? { spans: [], receivedMs };
      this.#traces.set(span.traceId, trace);
      if (this.#probes.delete(span.traceId) || isProbeRoot(span)) this.#probes.add(span.traceId);
      trace.receivedMs = receivedMs;
      trace.summary = undefined;
      const same = trace.spans.findIndex((s) => s.spanId === span.spanId);
      if (same >= 0) trace.spans[same] = span;
      else if (trace.spans.length < this.#maxSpans) trace.spans.push(span);
      else this.dropped++;
    }
    while (this.#traces.size > this.#maxTraces) {
      const probe = this.#probes.size > this.#maxTraces / 4
        ? this.#probes.values().next().value
        : undefined;
      const oldest = probe ?? this.#traces.keys().next().value!;
      this.#traces.delete(oldest);
      this.#probes.delete(oldest);
    }
  }

  /**
   * Summaries of the latest-starting traces, newest first, at most `limit` (50 by default);
   * with `service`, only traces that service has a span in; with `traceIds`, only those. Probes'
   * traces (every few seconds, from the dev runner and the dashboard) only with `probes: true`.
   */
  recent(
    options: { limit?: number; service?: string; traceIds?: Iterable<string>; probes?: boolean } =
      {},
  ): TraceSummary[] {
    const wanted = options.traceIds ? new Set(options.traceIds) : undefined;
    const summaries: TraceSummary[] = [];
    for (const [id, trace] of this.#traces) {
      if (wanted && !wanted.has(id)) continue;
      trace.summary ??= summarize(id, trace);
      if (trace.summary.probe && !options.probes) continue;
      if (!options.service || trace.summary.services.includes(options.service)) {
        summaries.push(trace.summary);
      }
    }
    return summaries.sort((a, b) => b.startMs - a.startMs).slice(0, options.limit ?? 50);
  }

  /** The summary of trace `id`, or undefined when it is not held. */
  summary(id: string): TraceSummary | undefined {
    const trace = this.#traces.get(id.toLowerCase());
    if (!trace) return undefined;
    return trace.summary ??= summarize(id.toLowerCase(), trace);
  }

  /** Trace `id`'s spans, earliest start first, or undefined when it is not held. */
  trace(id: string): SpanRecord[] | undefined {
    const trace = this.#traces.get(id.toLowerCase());
    return trace && [...trace.spans].sort((a, b) => a.startMs - b.startMs);
  }

  /** Every service that has a span in a held trace, sorted. */
  services(): string[] {
    const names = new Set<string>();
    for (const trace of this.#traces.values()) for (const s of trace.spans) names.add(s.service);
    return [...names].sort();
  }
}

function summarize(traceId: string, trace: StoredTrace): TraceSummary {
  const spans = [...trace.spans].sort((a, b) => a.startMs - b.startMs);
  const ids = new Set(spans.map((s) => s.spanId));
  // A root sent from outside (a client's traceparent) never arrives: its child is the root here.
  const root = spans.find((s) => !s.parentSpanId) ??
    spans.find((s) => !ids.has(s.parentSpanId!)) ?? spans[0];
  const startMs = spans[0].startMs;
  const endMs = Math.max(...spans.map((s) => s.startMs + s.durationMs));
  return {
    traceId,
    rootName: root.name,
    rootService: root.service,
    startMs,
    durationMs: endMs - startMs,
    spanCount: spans.length,
    services: [...new Set(spans.map((s) => s.service))],
    error: spans.some((s) => s.status === "error"),
    probe: isProbeRoot(root),
    receivedMs: trace.receivedMs,
  };
}

/** A root span serving a probe: an HTTP GET of one of `probePaths`. */
function isProbeRoot(span: SpanRecord): boolean {
  return !span.parentSpanId && span.kind === "server" &&
    span.attributes["http.request.method"] === "GET" &&
    probePaths.has(String(span.attributes["url.path"]));
}
