/**
 * A trace's waterfall in HTML: a row per span (indented by depth, its service's colour, its hop
 * named), its bar on the shared time axis, and its attributes in a details row that a click opens.
 * Plain HTML and CSS: no script draws it.
 */
import { html } from "hono/html";
import type { Html } from "../layout.ts";
import type { SpanRecord } from "../traces.ts";
import { formatDuration, serviceColour, waterfall, type WaterfallRow } from "../waterfall.ts";
import { serviceBadge } from "./telemetry_parts.ts";

/** Ticks on the axis, as fractions of the trace's duration. */
const ticks = [0, 0.25, 0.5, 0.75, 1];

/** The waterfall of one trace's `spans`. */
export function waterfallView(spans: readonly SpanRecord[]): Html {
  const layout = waterfall(spans);
  return html`<div class="waterfall">
    <div class="axis"><span class="muted">span</span><div class="ticks">${
    ticks.map((at) =>
      html`<span style="left:${at * 100}%;${at === 1 ? "transform:translateX(-100%)" : ""}">${
        formatDuration(layout.durationMs * at)
      }</span>`
    )
  }</div></div>
    ${layout.rows.map(spanRow)}
  </div>`;
}

function spanRow(row: WaterfallRow): Html {
  const { span } = row;
  const colour = serviceColour(span.service);
  // The duration label sits after the bar, or before it when the bar reaches the right edge.
  const labelAt = row.offsetPercent + row.widthPercent > 85
    ? `right:${100 - row.offsetPercent}%`
    : `left:${row.offsetPercent + row.widthPercent}%`;
  return html`<details class="span" data-service="${span.service}" data-kind="${span.kind}">
    <summary>
      <span class="label" style="padding-left:${row.depth * 1.1}rem" title="${span.name}">
        ${
    serviceBadge(span.service)
  }<span class="name">${span.name}</span><span class="hop">${row.hop}</span>${
    row.orphan
      ? html`
        <span class="muted" title="its parent span has not arrived">⤴</span>
      `
      : ""
  }</span>
      <span class="track">
        <span class="bar${span.status === "error" ? " error" : ""}"
          style="left:${row.offsetPercent}%;width:${row.widthPercent}%;background:${colour}"></span>
        <span class="took" style="${labelAt}">${formatDuration(span.durationMs)}</span>
      </span>
    </summary>
    ${attributesTable(span)}
  </details>`;
}

function attributesTable(span: SpanRecord): Html {
  const rows: [string, string][] = [
    ["service", span.service],
    ["kind", span.kind],
    ["span id", span.spanId],
    ["parent span id", span.parentSpanId ?? "(root)"],
    ["start", new Date(span.startMs).toISOString()],
    ["duration", formatDuration(span.durationMs)],
    ["status", span.statusMessage ? `${span.status}: ${span.statusMessage}` : span.status],
    ...Object.entries(span.attributes).map(([key, value]): [string, string] => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  ];
  return html`<table class="attributes">${
    rows.map(([key, value]) =>
      html`
        <tr>
          <th>${key}</th>
          <td><code>${value}</code></td>
        </tr>
      `
    )
  }</table>`;
}
