/**
 * Flow: the map of services, streams, subjects and consumers from the registry's declarations,
 * with live counts on each edge (nats-server's /jsz), and the order saga's declared steps and
 * compensations (shared/contracts/order_saga.ts, drawn as infra/saga_diagram.ts draws it for the
 * README). Mermaid draws both in the browser, from /assets.
 */
import { Hono } from "hono";
import { html, raw } from "hono/html";
import { orderSaga } from "../../../shared/contracts/order_saga.ts";
import type { SagaReaction } from "../../../shared/contracts/saga.ts";
import { sagaDiagram } from "../../saga_diagram.ts";
import { flowMap, type StreamCounts, streamCounts } from "../flow_map.ts";
import { type Html, layout, live } from "../layout.ts";
import type { DashboardSources } from "../sources.ts";

/** Draws every `pre.mermaid` not drawn yet: on load, and after htmx swaps a live part in. */
const drawScript = raw(`<script src="/assets/mermaid.min.js"></script>
<script>
mermaid.initialize({ startOnLoad: false, securityLevel: "strict", flowchart: { useMaxWidth: false, nodeSpacing: 30, rankSpacing: 40 } });
const draw = () => mermaid.run({ querySelector: "pre.mermaid:not([data-processed])" });
document.addEventListener("DOMContentLoaded", draw);
document.addEventListener("htmx:afterSettle", draw);
</script>`);

/** GET /flow (the page), /flow/map (its live part: the map and the counts). */
export function flowPage(sources: DashboardSources): Hono {
  const app = new Hono();
  app.get("/", async (c) =>
    c.html(layout(
      "Flow",
      html`${drawScript}
<p class="muted">Drawn from each service's <code>bus</code> declaration (services/registry.ts):
what it publishes, the streams it reacts to (one durable consumer each, named after it) and
whom it calls. Counts from nats-server's monitoring, every 5 s while this page is open.</p>
${live("/flow/map", await mapView(sources), 5)}
<h2>The order saga, as declared</h2>
<pre class="mermaid" id="saga-diagram">${sagaDiagram(orderSaga)}</pre>
${sagaTable()}`,
    )));
  app.get("/map", async (c) => c.html(await mapView(sources)));
  return app;
}

async function mapView(sources: DashboardSources): Promise<Html> {
  let counts: Record<string, StreamCounts> | undefined;
  let why = "";
  if (!sources.monitoringUrl) why = "no nats-server monitoring address (NATS_URL names a server)";
  else {
    counts = await streamCounts(sources.monitoringUrl).catch((error: Error) => {
      why = `nats-server's monitoring did not answer: ${error.message}`;
      return undefined;
    });
  }
  return html`<pre class="mermaid" id="flow-map">${flowMap(sources.registry, counts)}</pre>
${why ? html`<p class="warn">No live counts: ${why}</p>` : countsTable(counts ?? {})}`;
}

function countsTable(counts: Record<string, StreamCounts>): Html {
  const rows = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  return html`
    <details>
      <summary>Counts by stream and consumer</summary>
      <table id="flow-counts">
    <tr><th>stream</th><th class="number">messages</th><th>consumer</th><th class="number">acked up to</th>
    <th class="number">pending</th><th class="number">unacked</th><th class="number">redelivered</th></tr>
    ${rows.flatMap(([name, stream]) => [
      html`
        <tr>
          <td>${name}</td>
          <td class="number">${stream.messages}</td>
          <td colspan="5"></td>
        </tr>
      `,
      ...Object.entries(stream.consumers).map(([consumer, c]) =>
        html`
          <tr>
            <td></td>
            <td></td>
            <td>${consumer}</td>
            <td class="number">${c.ackFloor}</td>
            <td class="number">${c.pending}</td>
            <td class="number">${c.ackPending}</td>
            <td class="number">${c.redelivered}</td>
          </tr>
        `
      ),
    ])}
      </table>
    </details>
  `;
}

function sagaTable(): Html {
  const row = (kind: string, name: string, r: SagaReaction, extra = "") =>
    html`
      <tr>
        <td>${kind}</td>
        <td>${name}</td>
        <td>${r.service}</td>
        <td>${r.on.map((e) => e.type).join(", ")}</td>
        <td>${r.does}</td>
        <td>${r.states.map((e) => e.type).join(", ")}</td>
        <td>${extra}</td>
      </tr>
    `;
  return html`<table id="saga-declaration">
<tr><th>kind</th><th>name</th><th>service</th><th>on</th><th>does</th><th>states</th><th>undoes / fails</th></tr>
${Object.entries(orderSaga.steps).map(([name, step]) => row("step", name, step))}
${
    Object.entries(orderSaga.compensations).map(([name, c]) =>
      row("compensation", name, c, `undoes ${c.undoes}; fails: ${c.fails.type}`)
    )
  }
</table>
<p class="muted">Deadline: ${orderSaga.deadline.service} cancels an order still open past
${orderSaga.deadline.setting} (reason ${orderSaga.deadline.reason}).</p>`;
}
