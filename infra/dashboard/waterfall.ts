/**
 * A trace laid out as a waterfall: each span a row, under its parent (indented by depth), its
 * bar placed on the trace's shared time axis, and named by the hop it is (HTTP server or client,
 * NATS request or reply, JetStream producer or consumer). Pure: the page draws what this says.
 */
import type { SpanRecord } from "./traces.ts";

/** One row: a span, how deep it sits, and its bar in percent of the trace's duration. */
export interface WaterfallRow {
  span: SpanRecord;
  /** 0 for the root (and for a span whose parent never arrived). */
  depth: number;
  /** Where its bar starts and how long it is, in percent of the axis (0–100). */
  offsetPercent: number;
  widthPercent: number;
  /** What kind of hop it is, in words: `HTTP server`, `JetStream consumer`, ... */
  hop: string;
  /** Its parent is not in the trace (not received, or from outside the stack). */
  orphan: boolean;
}

/** A trace's rows and its axis: from its earliest start, `durationMs` long. */
export interface Waterfall {
  startMs: number;
  durationMs: number;
  rows: WaterfallRow[];
}

/**
 * The waterfall of `spans` (one trace's, any order): depth-first from the roots, siblings by
 * start time. Each span appears once, even if its parent links were to form a cycle.
 */
export function waterfall(spans: readonly SpanRecord[]): Waterfall {
  if (spans.length === 0) return { startMs: 0, durationMs: 0, rows: [] };
  const byStart = [...spans].sort((a, b) => a.startMs - b.startMs);
  const ids = new Set(byStart.map((s) => s.spanId));
  const children = new Map<string, SpanRecord[]>();
  for (const span of byStart) {
    if (span.parentSpanId && ids.has(span.parentSpanId)) {
      children.set(span.parentSpanId, [...children.get(span.parentSpanId) ?? [], span]);
    }
  }
  const startMs = byStart[0].startMs;
  const endMs = Math.max(...byStart.map((s) => s.startMs + s.durationMs));
  // A trace of instant spans still gets an axis: 1 ms wide.
  const durationMs = Math.max(endMs - startMs, 0.001);
  const rows: WaterfallRow[] = [];
  const placed = new Set<string>();
  const visit = (span: SpanRecord, depth: number, orphan: boolean) => {
    if (placed.has(span.spanId)) return;
    placed.add(span.spanId);
    rows.push({
      span,
      depth,
      offsetPercent: percent(span.startMs - startMs, durationMs),
      widthPercent: percent(span.durationMs, durationMs),
      hop: hopOf(span),
      orphan,
    });
    for (const child of children.get(span.spanId) ?? []) visit(child, depth + 1, false);
  };
  for (const span of byStart) {
    const isRoot = !span.parentSpanId || !ids.has(span.parentSpanId);
    if (isRoot) visit(span, 0, Boolean(span.parentSpanId));
  }
  // Whatever a cycle kept from the roots' reach.
  for (const span of byStart) visit(span, 0, true);
  return { startMs, durationMs, rows };
}

const percent = (part: number, whole: number) => Math.min(100, Math.max(0, (part / whole) * 100));

/**
 * The hop a span is, from its kind and attributes: messaging spans carry `messaging.system`
 * (shared/telemetry/tracing.ts), Deno's HTTP spans `http.request.method`.
 */
export function hopOf(span: SpanRecord): string {
  const messaging = span.attributes["messaging.system"] !== undefined;
  const http = span.attributes["http.request.method"] !== undefined;
  switch (span.kind) {
    case "server":
      return messaging ? "NATS reply" : http ? "HTTP server" : "server";
    case "client":
      return messaging ? "NATS request" : http ? "HTTP client" : "client";
    case "producer":
      return messaging ? "JetStream producer" : "producer";
    case "consumer":
      return messaging ? "JetStream consumer" : "consumer";
    default:
      return "internal";
  }
}

/** A colour per service, the same on every page and every run: a hue hashed from the name. */
export function serviceColour(service: string): string {
  let hash = 0;
  for (const char of service) hash = (hash * 31 + char.codePointAt(0)!) >>> 0;
  return `hsl(${hash % 360} 65% 45%)`;
}

/** A duration for people: `850 µs`, `12.3 ms`, `4.02 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
