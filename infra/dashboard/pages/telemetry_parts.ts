/**
 * What the Traces and Logs pages share: the stores they read, a service's colour badge and
 * filter, the time of day, and their few styles (the waterfall's bars among them).
 */
import { html } from "hono/html";
import type { Html } from "../layout.ts";
import type { LogStore } from "../logs.ts";
import type { TraceStore } from "../traces.ts";
import { serviceColour } from "../waterfall.ts";

/** What the Traces and Logs pages read: the dev runner's stores. */
export interface TelemetrySources {
  traces: TraceStore;
  logs: LogStore;
}

/** A service's name after a dot of its colour. */
export function serviceBadge(service: string): Html {
  return html`
    <span class="service"><i style="background:${serviceColour(service)}"></i>${service}</span>
  `;
}

/** A `<select name="service">` of `services`, "all" first; `selected` kept even if not listed. */
export function serviceSelect(services: string[], selected?: string): Html {
  const all = selected && !services.includes(selected) ? [...services, selected] : services;
  return html`<select name="service">
    <option value="">all</option>
    ${all.map((name) => html`<option ${name === selected ? "selected" : ""}>${name}</option>`)}
  </select>`;
}

/** Local time of day to the millisecond: `14:03:07.125`. */
export function clock(ms: number): string {
  const time = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  const millis = String(time.getMilliseconds()).padStart(3, "0");
  return `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}.${millis}`;
}

/** The pages' own styles, beside the dashboard's stylesheet. */
export const telemetryStyle: Html = html`<style>
  .filters { display: flex; gap: .8rem; align-items: center; flex-wrap: wrap; margin: .5rem 0; }
  .service { white-space: nowrap; }
  .service i { display: inline-block; width: .6rem; height: .6rem; border-radius: 50%;
    margin-right: .25rem; }
  .level-debug { color: var(--muted); }
  .level-warn { color: var(--warn); }
  .level-error { color: var(--bad); font-weight: 600; }
  table.logs td { font: 12px/1.35 ui-monospace, monospace; }
  table.logs td a { display: block; white-space: nowrap; }
  .waterfall { max-width: 110rem; }
  .waterfall .axis, .waterfall summary { display: grid; grid-template-columns: minmax(34rem, 42%) 1fr; gap: .5rem; }
  .waterfall summary { list-style: none; padding: 1px 0; border-bottom: 1px solid var(--line); }
  .waterfall summary::-webkit-details-marker { display: none; }
  .waterfall .label { display: flex; align-items: baseline; white-space: nowrap; min-width: 0; }
  .waterfall .label .service { margin-right: .35rem; }
  .waterfall .name { overflow: hidden; text-overflow: ellipsis; min-width: 0; }
  .waterfall .hop { flex: none; font-size: 11px; border: 1px solid var(--line); border-radius: 3px;
    padding: 0 .25rem; margin-left: .3rem; }
  .waterfall .track, .waterfall .ticks { position: relative; height: 1.2rem; }
  .waterfall .bar { position: absolute; top: .2rem; height: .8rem; min-width: 2px; border-radius: 2px; }
  .waterfall .bar.error { outline: 2px solid var(--bad); }
  .waterfall .took { position: absolute; top: 0; font-size: 11px; padding-left: .3rem; white-space: nowrap; }
  .waterfall .ticks span { position: absolute; font-size: 11px; color: var(--muted);
    border-left: 1px solid var(--line); padding-left: .2rem; white-space: nowrap; }
  .waterfall details[open] summary { background: #8881; }
  .waterfall .attributes { margin: .2rem 0 .6rem 2rem; }
</style>`;
