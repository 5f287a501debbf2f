/**
 * Orders: the latest orders (live), and one order's saga step by step: each event, the service
 * that stated it, the services the declared saga has handle it, and a link to its trace.
 */
import { Hono } from "hono";
import { html } from "hono/html";
import { ServiceError } from "../../../shared/errors/mod.ts";
import { type Html, layout, live } from "../layout.ts";
import {
  latestOrders,
  type OrderStep,
  orderSteps,
  type OrderSummary,
  sagaStreams,
  uuidPattern,
} from "../order_steps.ts";
import type { LogEntry, LogStore } from "../logs.ts";
import type { DashboardSources } from "../sources.ts";

/** GET /orders (latest, live), /orders?id= (opens one), /orders/:id (its saga, live). */
export function ordersPage(sources: DashboardSources): Hono {
  const published = sources.registry.flatMap((service) =>
    service.bus.publishes ? [{ service: service.name, stream: service.bus.publishes }] : []
  );
  const streams = sagaStreams(published);
  const ordersStream = published.find((p) => p.service === "orders")?.stream.name ?? "ORDERS";
  const app = new Hono();

  app.get("/", async (c) => {
    const id = c.req.query("id");
    if (id !== undefined) return c.redirect(`/orders/${orderIdOf(id)}`);
    const latest = latestTable(await latestOrders(await sources.nats(), ordersStream));
    return c.html(layout(
      "Orders",
      html`
        <form action="/orders" method="get">
          <input name="id" placeholder="order id" aria-label="order id" size="40" required>
          <button>Find</button>
        </form>
        <h2>Latest orders</h2>
        ${live("/orders/latest", latest)}
      `,
    ));
  });

  app.get(
    "/latest",
    async (c) => c.html(latestTable(await latestOrders(await sources.nats(), ordersStream))),
  );

  app.get("/:id", async (c) => {
    const id = orderIdOf(c.req.param("id"));
    const steps = await orderSteps(await sources.nats(), streams, id);
    if (steps.length === 0) throw new ServiceError("not_found", `no event of order ${id}`);
    const handled = handlersOf(sources.logs, id);
    return c.html(layout(
      `Order ${id}`,
      html`<p class="muted">Its events in every stream, oldest first. Handled by: the processes
whose log lines name the event, then (grey) what the saga declares (shared/contracts/order_saga.ts).</p>
${live(`/orders/${id}/steps`, stepsTable(steps, handled))}`,
    ));
  });

  app.get("/:id/steps", async (c) => {
    const id = orderIdOf(c.req.param("id"));
    const steps = await orderSteps(await sources.nats(), streams, id);
    return c.html(stepsTable(steps, handlersOf(sources.logs, id)));
  });
  return app;
}

/** `text` as an order id (lower-cased); throws ServiceError `invalid` when it is not a UUID. */
function orderIdOf(text: string): string {
  const id = text.trim().toLowerCase();
  if (!uuidPattern.test(id)) throw new ServiceError("invalid", "an order id is a UUID");
  return id;
}

function latestTable(orders: OrderSummary[]): Html {
  if (orders.length === 0) return html`<p class="muted">No order placed yet.</p>`;
  return html`<table id="latest-orders">
<tr><th>placed</th><th>order</th><th>status</th><th class="number">total</th><th>trace</th></tr>
${
    orders.map((order) =>
      html`
        <tr>
          <td>${order.placedAt}</td>
          <td><a href="/orders/${order.orderId}">${order.orderId}</a></td>
          <td class="${statusClass(order.status)}">${order.status}${order.reason
            ? ` (${order.reason})`
            : ""}</td>
          <td class="number">${order.totalCents === undefined
            ? ""
            : (order.totalCents / 100).toFixed(2)}</td>
          <td>${traceLink(order.traceId)}</td>
        </tr>
      `
    )
  }
</table>`;
}

/**
 * Which processes handled each event of order `orderId`, by event id, with what they logged:
 * the dev runner keeps every line, and a handler's lines name the event it handles (`eventId`).
 */
function handlersOf(logs: LogStore, orderId: string): Map<string, LogEntry[]> {
  const byEvent = new Map<string, LogEntry[]>();
  for (const entry of logs.query({ orderId, limit: 1_000 }).reverse()) {
    const eventId = entry.fields.eventId;
    if (typeof eventId !== "string") continue;
    byEvent.set(eventId, [...byEvent.get(eventId) ?? [], entry]);
  }
  return byEvent;
}

function stepsTable(steps: OrderStep[], handled: Map<string, LogEntry[]>): Html {
  return html`<table id="saga-steps">
<tr><th>#</th><th>at</th><th>event</th><th>stated by</th><th>handled by</th><th>stream</th><th>trace</th></tr>
${
    steps.map((step, i) =>
      html`
        <tr class="saga-step">
          <td class="number">${i + 1}</td>
          <td>${step.at}</td>
          <td class="event-type">
            <details>
              <summary>${step.type}</summary>
              <pre>${JSON.stringify(step.data, null, 2)}</pre>
            </details>
          </td>
          <td>${step.source}</td>
          <td>${(handled.get(step.id) ?? []).map((line) =>
            html`<span class="handler">${line.service}</span>: ${line.msg}<br>`
          )}<span class="muted">declared: ${declared(step)}</span></td>
          <td>${step.stream} #${step.seq}</td>
          <td>${traceLink(step.traceId)}</td>
        </tr>
      `
    )
  }
</table>`;
}

function declared(step: OrderStep): string {
  if (step.handledBy.length === 0) return "nobody (an end)";
  return step.handledBy.map((h) => `${h.service} (${h.kinds.join(", ")})`).join(", ");
}

function traceLink(traceId: string | undefined): Html {
  return traceId
    ? html`<a class="trace-link" href="/traces/${traceId}">${traceId.slice(0, 12)}…</a>`
    : html`<span class="muted">untraced</span>`;
}

function statusClass(status: OrderSummary["status"]): string {
  return status === "confirmed" ? "ok" : status === "cancelled" ? "bad" : "warn";
}
