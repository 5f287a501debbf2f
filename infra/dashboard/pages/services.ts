/**
 * Services: every running instance (the NATS services framework's discovery), its version and
 * what each endpoint has served; each instance's readiness and breakers from its HTTP face; and
 * every endpoint's request and reply schemas from the contracts. The instances part is live.
 */
import { Hono } from "hono";
import { html } from "hono/html";
import { discoverServices, type ServiceInstance } from "../../../shared/operator/mod.ts";
import { type CatalogEndpoint, endpointCatalog } from "../endpoint_catalog.ts";
import { type InstanceHealth, instanceHealth } from "../instance_health.ts";
import { type Html, layout, live } from "../layout.ts";
import type { DashboardSources } from "../sources.ts";

/** How long discovery waits for instances to answer, in ms. */
const discoveryWaitMs = 300;

/** GET /services (the page), /services/instances (its live part). */
export function servicesPage(sources: DashboardSources): Hono {
  const catalog = endpointCatalog(sources.registry);
  const app = new Hono();
  app.get("/", async (c) =>
    c.html(layout(
      "Services",
      html`${live("/services/instances", await instancesView(sources))}
<h2>Endpoints</h2>
<p class="muted">Each endpoint's request and reply as JSON Schema, from its contract in
shared/contracts; <code>ops.*</code> are what every service answers its operator.</p>
${catalogView(catalog)}`,
    )));
  app.get("/instances", async (c) => c.html(await instancesView(sources)));
  return app;
}

async function instancesView(sources: DashboardSources): Promise<Html> {
  const [discovered, health] = await Promise.all([
    discoverServices(await sources.nats(), { waitMs: discoveryWaitMs }),
    instanceHealth(sources.instances),
  ]);
  return html`<div class="cards">${
    sources.registry.map(({ name, bus }) =>
      serviceCard(
        name,
        bus.serves !== undefined,
        discovered.filter((i) => i.name === name),
        health.filter((h) => h.instance === name || h.instance.startsWith(`${name}#`)),
      )
    )
  }</div>`;
}

function serviceCard(
  name: string,
  serves: boolean,
  instances: ServiceInstance[],
  faces: InstanceHealth[],
): Html {
  const versions = [...new Set(instances.map((i) => i.version))].join(", ");
  // A service with no endpoints (the gateway) is not in discovery: its HTTP faces say it runs.
  const onNats = serves
    ? html`${
      instances.length === 0 ? "" : `v${versions} · `
    }<span class="instance-count">${instances.length}</span> on NATS`
    : "HTTP only, no NATS endpoints";
  return html`<section class="card service" data-service="${name}">
<h2>${name} <span class="muted">${onNats}</span></h2>
${
    instances.length === 0 ? "" : html`<table class="instances">
<tr><th>instance</th><th>since</th><th class="number">requests</th><th class="number">errors</th>
<th class="number">mean ms</th></tr>
${
      instances.map((i) =>
        html`
          <tr class="instance">
            <td><code>${i.id}</code></td>
            <td>${i.started}</td>
            <td class="number">${sum(i.endpoints.map((e) => e.requests))}</td>
            <td class="number">${sum(i.endpoints.map((e) => e.errors))}</td>
            <td class="number">${meanMs(i)}</td>
          </tr>
        `
      )
    }
</table>
${endpointStats(instances)}`
  }
<table class="faces">
<tr><th>HTTP</th><th>ready</th><th>breakers</th><th class="number">HTTP requests</th><th class="number">events handled</th></tr>
${faces.map(faceRow)}
</table>
</section>`;
}

/** Per endpoint, summed over the instances: what each has served. */
function endpointStats(instances: ServiceInstance[]): Html {
  const bySubject = new Map<string, { requests: number; errors: number; totalMs: number }>();
  for (const endpoint of instances.flatMap((i) => i.endpoints)) {
    const seen = bySubject.get(endpoint.subject) ?? { requests: 0, errors: 0, totalMs: 0 };
    seen.requests += endpoint.requests;
    seen.errors += endpoint.errors;
    seen.totalMs += endpoint.averageMs * endpoint.requests;
    bySubject.set(endpoint.subject, seen);
  }
  const served = [...bySubject].filter(([, s]) => s.requests > 0);
  if (served.length === 0) return html`<p class="muted">No endpoint has served a request yet.</p>`;
  return html`
    <details>
      <summary>${served.length} endpoints served requests</summary>
      <table>
    <tr><th>subject</th><th class="number">requests</th><th class="number">errors</th>
    <th class="number">mean ms</th></tr>
    ${served.map(([subject, s]) =>
      html`
        <tr>
          <td><code>${subject}</code></td>
          <td class="number">${s.requests}</td>
          <td class="number">${s.errors}</td>
          <td class="number">${(s.totalMs / s.requests).toFixed(2)}</td>
        </tr>
      `
    )}
      </table>
    </details>
  `;
}

function faceRow(face: InstanceHealth): Html {
  const failing = Object.entries(face.checks).filter(([, result]) => result !== "ok");
  const ready = face.error
    ? html`<span class="bad">${face.error}</span>`
    : face.ready
    ? html`<span class="ok">ready</span>`
    : html`<span class="bad">not ready: ${
      failing.map(([n, why]) => `${n}: ${why}`).join("; ")
    }</span>`;
  const breakers = Object.entries(face.breakers);
  return html`
    <tr class="face">
      <td><a href="${face.url}/ready">${face.instance}</a></td>
      <td>${ready}</td>
      <td>${breakers.length === 0
        ? html`<span class="muted">none</span>`
        : breakers.map(([to, state]) =>
          html`
            ${to}: <span class="${state === "closed" ? "ok" : "bad"}">${state}</span>
          `
        )}</td>
      <td class="number">${face.httpRequests ?? ""}</td>
      <td class="number">${face.eventsHandled ?? ""}</td>
    </tr>
  `;
}

function catalogView(catalog: CatalogEndpoint[]): Html {
  return html`<table class="catalog">
<tr><th>service</th><th>subject</th><th>retry-safe</th><th>request</th><th>reply</th></tr>
${
    catalog.map((e) =>
      html`
        <tr class="${e.kind}">
          <td>${e.service}</td>
          <td><code>${e.subject}</code></td>
          <td>${e.idempotent ? "yes" : "no"}</td>
          <td>
            <details>
              <summary>schema</summary>
              <pre>${e.request}</pre>
            </details>
          </td>
          <td>
            <details>
              <summary>schema</summary>
              <pre>${e.reply}</pre>
            </details>
          </td>
        </tr>
      `
    )
  }
</table>`;
}

function meanMs(instance: ServiceInstance): string {
  const requests = sum(instance.endpoints.map((e) => e.requests));
  if (requests === 0) return "";
  return (sum(instance.endpoints.map((e) => e.averageMs * e.requests)) / requests).toFixed(2);
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
