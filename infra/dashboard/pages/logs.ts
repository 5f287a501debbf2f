/**
 * The Logs page: every process's lines merged (the dev runner hands each line to the LogStore),
 * newest first, filtered by service, level (and above), correlation id, order id or trace id,
 * and tailed live while the page is open.
 */
import { Hono } from "hono";
import { html } from "hono/html";
import type { LogLevel } from "../../../shared/log/mod.ts";
import { problem } from "../../../shared/runtime/bridge_problem.ts";
import { layout, live } from "../layout.ts";
import { logLevels, type LogQuery } from "../logs.ts";
import { logTable } from "./log_table.ts";
import { serviceSelect, type TelemetrySources, telemetryStyle } from "./telemetry_parts.ts";

/** Lines shown at most: the latest. */
const shownLines = 300;
/** The filters, as query parameters of the page and of its live part. */
const filterNames = ["service", "level", "correlationId", "orderId", "traceId"] as const;

/** `GET /` the page (filters as query parameters), `GET /rows` its live part. */
export function logsPage(sources: TelemetrySources): Hono {
  const app = new Hono();
  app.get("/", (c) => {
    const query = logQuery(c.req.query());
    if (!query) return badLevel();
    const search = queryString(query);
    return c.html(layout(
      "Logs",
      html`
        ${telemetryStyle}
        <form method="get" action="/logs" class="filters">
          <label>service ${serviceSelect(sources.logs.services(), query.service)}</label>
          <label>level <select name="level">
            <option value="">any</option>
            ${logLevels.map((level) =>
              html`<option value="${level}" ${level === query.level ? "selected" : ""}>${level}${
                level === "error" ? "" : " and above"
              }</option>`
            )}
          </select></label>
          <label>correlation id <input name="correlationId" value="${query.correlationId ??
            ""}"></label>
          <label>order id <input name="orderId" value="${query.orderId ?? ""}"></label>
          <label>trace id <input name="traceId" value="${query.traceId ?? ""}"></label>
          <button>Filter</button>
          ${search ? html`<a href="/logs">clear</a>` : ""}
        </form>
        <p
          class="muted">The latest ${shownLines} matching lines, newest first, live while this page is open.</p>
        ${live(`/logs/rows${search}`, rows(sources, query))}
      `,
    ));
  });
  app.get("/rows", (c) => {
    const query = logQuery(c.req.query());
    return query ? c.html(rows(sources, query)) : badLevel();
  });
  return app;
}

function rows(sources: TelemetrySources, query: LogQuery) {
  return logTable(sources.logs.query({ ...query, limit: shownLines }).reverse());
}

/** The filters given (blank ones dropped), or undefined when the level is not one. */
function logQuery(params: Record<string, string>): LogQuery | undefined {
  const query: LogQuery = {};
  for (const name of filterNames) {
    const value = params[name]?.trim();
    if (!value) continue;
    if (name === "level") {
      if (!logLevels.includes(value as LogLevel)) return undefined;
      query.level = value as LogLevel;
    } else query[name] = value;
  }
  return query;
}

function queryString(query: LogQuery): string {
  const params = new URLSearchParams();
  for (const name of filterNames) if (query[name]) params.set(name, String(query[name]));
  return params.size ? `?${params}` : "";
}

function badLevel(): Response {
  return problem(400, "invalid", `level is one of ${logLevels.join(", ")}`, {
    field: "level",
  });
}
