/**
 * The Traces page: recent traces (root, services touched, duration, errors), live while open and
 * filtered by service or by order; and one trace as a waterfall (pages/waterfall_view.ts) with
 * its log lines. A trace id the store does not hold yet (exporters send every second or so) is
 * a 404 page that keeps asking until the spans arrive.
 */
import { Hono } from "hono";
import { html } from "hono/html";
import { problem } from "../../../shared/runtime/bridge_problem.ts";
import { type Html, layout, live, pausedWhile } from "../layout.ts";
import type { TraceSummary } from "../traces.ts";
import { formatDuration } from "../waterfall.ts";
import { logTable } from "./log_table.ts";
import {
  clock,
  serviceBadge,
  serviceSelect,
  type TelemetrySources,
  telemetryStyle,
} from "./telemetry_parts.ts";
import { waterfallView } from "./waterfall_view.ts";

/** Traces listed at most. */
const listLimit = 100;
/** A trace that gained a span this recently may still grow: its page keeps polling. */
const growingMs = 15_000;
const traceIdPattern = /^[0-9a-f]{32}$/;

export type { TelemetrySources };

/** `GET /` the list (`?service=`, `?order=`), `GET /rows` its live part, `GET /:traceId` one. */
export function tracesPage(sources: TelemetrySources): Hono {
  const app = new Hono();
  app.get("/", (c) => {
    const filter = listFilter(c.req.query());
    return c.html(layout(
      "Traces",
      html`
        ${telemetryStyle}
        <form method="get" action="/traces" class="filters">
          <label>service ${serviceSelect(sources.traces.services(), filter.service)}</label>
          <label>order <input name="order" value="${filter.order ??
            ""}" placeholder="order id"></label>
          <label><input type="checkbox" name="probes" value="1" ${filter.probes
            ? "checked"
            : ""}> probes (GET /health, /ready, /metrics)</label>
          <button>Filter</button>
          ${filter.query ? html`<a href="/traces">clear</a>` : ""}
        </form>
        ${live(`/traces/rows${filter.query}`, traceList(sources, filter))}
      `,
    ));
  });
  app.get(
    "/rows",
    (c) => c.html(traceList(sources, listFilter(c.req.query()))),
  );
  app.get("/:traceId", (c) => {
    const traceId = c.req.param("traceId").toLowerCase();
    if (!traceIdPattern.test(traceId)) {
      return problem(400, "invalid", "a trace id is 32 hex digits");
    }
    const summary = sources.traces.summary(traceId);
    // Only the detail part refreshes as spans arrive: a title saying "not received" would stay.
    const title = `Traces: ${summary?.rootName ?? `${traceId.slice(0, 12)}…`}`;
    return c.html(
      layout(
        title,
        html`${telemetryStyle}<p><code>${traceId}</code> · <a href="/logs?traceId=${traceId}">its logs</a></p>
          ${traceDetail(sources, traceId)}`,
      ),
      summary ? 200 : 404,
    );
  });
  app.get("/:traceId/detail", (c) => {
    const traceId = c.req.param("traceId").toLowerCase();
    if (!traceIdPattern.test(traceId)) {
      return problem(400, "invalid", "a trace id is 32 hex digits");
    }
    return c.html(traceDetail(sources, traceId));
  });
  return app;
}

interface ListFilter {
  service?: string;
  order?: string;
  probes?: boolean;
  /** The filter as a query string (`?service=orders`), or empty. */
  query: string;
}

function listFilter(
  { service, order, probes }: { service?: string; order?: string; probes?: string },
): ListFilter {
  const params = new URLSearchParams();
  const kept: ListFilter = { query: "" };
  if (service) params.set("service", kept.service = service);
  if (order?.trim()) params.set("order", kept.order = order.trim());
  if (probes) {
    params.set("probes", "1");
    kept.probes = true;
  }
  kept.query = params.size ? `?${params}` : "";
  return kept;
}

function traceList(sources: TelemetrySources, filter: ListFilter): Html {
  const summaries = sources.traces.recent({
    limit: listLimit,
    service: filter.service,
    probes: filter.probes,
    // An order's traces are those its log lines were written in.
    traceIds: filter.order ? sources.logs.traceIdsOfOrder(filter.order) : undefined,
  });
  if (summaries.length === 0) {
    return html`<p class="muted">No traces${
      filter.query ? " match" : " yet: tracing is on under deno task dev unless DEV_TRACING=off"
    }.</p>`;
  }
  return html`
    <table class="traces">
      <thead>
        <tr>
          <th>started</th>
          <th>root</th>
          <th>services</th>
          <th>duration</th>
          <th>spans</th>
          <th></th>
        </tr>
      </thead>
      <tbody>${summaries.map(traceRow)}</tbody>
    </table>
  `;
}

function traceRow(summary: TraceSummary): Html {
  return html`
    <tr>
      <td><time datetime="${new Date(summary.startMs).toISOString()}">${clock(
        summary.startMs,
      )}</time></td>
      <td><a href="/traces/${summary.traceId}">${summary.rootName}</a> <span class="muted">${summary
        .rootService}</span></td>
      <td>${summary.services.map(serviceBadge)}</td>
      <td class="number">${formatDuration(summary.durationMs)}</td>
      <td class="number">${summary.spanCount}</td>
      <td>${summary.error ? html`<span class="bad">error</span>` : ""}</td>
    </tr>
  `;
}

/** The waterfall and the trace's logs; polls itself (replacing itself) while the trace grows. */
function traceDetail(sources: TelemetrySources, traceId: string): Html {
  const summary = sources.traces.summary(traceId);
  const spans = sources.traces.trace(traceId) ?? [];
  const growing = !summary || sources.traces.now() - summary.receivedMs < growingMs;
  const polling = growing
    ? html`hx-get="/traces/${traceId}/detail" hx-trigger="every 2s ${pausedWhile}" hx-swap="outerHTML"`
    : "";
  const body = summary
    ? html`
      <p>${formatDuration(summary.durationMs)} · ${summary.spanCount} spans ·
        ${summary.services.map(serviceBadge)}${summary.error
          ? html`
            · <span class="bad">has errors</span>
          `
          : ""}</p>
      ${waterfallView(spans)}
      <h2>Logs in this trace</h2>
      ${logTable(sources.logs.query({ traceId, limit: 200 }).reverse())}
    `
    : html`<p class="muted">No span of this trace has arrived (yet). Exporters send every
      second or so; this part asks again every 2 s.</p>`;
  return html`<div id="trace-detail" ${polling}>${body}</div>`;
}
