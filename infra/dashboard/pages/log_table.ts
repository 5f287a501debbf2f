/**
 * Log lines as a table: time, process, level, message, the correlation, order and trace ids
 * (each a link that filters by it, the trace's to its waterfall) and the other fields.
 */
import { html } from "hono/html";
import type { Html } from "../layout.ts";
import type { LogEntry } from "../logs.ts";
import { clock, serviceBadge } from "./telemetry_parts.ts";

/** `entries` in the order given; a note when there are none. */
export function logTable(entries: LogEntry[]): Html {
  if (entries.length === 0) return html`<p class="muted">No log lines match.</p>`;
  return html`
    <table class="logs">
      <thead>
        <tr>
          <th>time</th>
          <th>service</th>
          <th>level</th>
          <th>message</th>
          <th>ids</th>
          <th>fields</th>
        </tr>
      </thead>
      <tbody>${entries.map(logRow)}</tbody>
    </table>
  `;
}

function logRow(entry: LogEntry): Html {
  const fields = Object.keys(entry.fields).length ? JSON.stringify(entry.fields) : "";
  return html`
    <tr>
      <td><time datetime="${new Date(entry.time).toISOString()}">${clock(entry.time)}</time></td>
      <td>${serviceBadge(entry.service)}</td>
      <td class="level-${entry.level ?? "text"}">${entry.level ?? ""}</td>
      <td class="msg">${entry.msg}</td>
      <td>${ids(entry)}</td>
      <td><code>${fields}</code></td>
    </tr>
  `;
}

/** The line's ids, each a link: a request's and an order's lines, the trace's waterfall. */
function ids(entry: LogEntry): Html {
  const links: [string | undefined, string, string, string][] = [
    [entry.correlationId, "corr", "/logs?correlationId=", "lines of this request"],
    [entry.orderId, "order", "/logs?orderId=", "lines of this order"],
    [entry.traceId, "trace", "/traces/", "its trace"],
  ];
  return html`${
    links.map(([id, name, path, title]) =>
      id
        ? html`
          <a href="${path}${encodeURIComponent(id)}" title="${title}">${name} ${short(id)}</a>
        `
        : ""
    )
  }`;
}

/** The first 8 characters: enough to tell ids apart on one screen; the link holds the rest. */
const short = (id: string) => (id.length > 8 ? `${id.slice(0, 8)}…` : id);
