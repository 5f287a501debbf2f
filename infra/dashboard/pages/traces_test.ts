import assert from "node:assert/strict";
import { Hono } from "hono";
import { LogStore } from "../logs.ts";
import { spansFromOtlpJson } from "../otlp_json.ts";
import { type FixtureSpan, otlpExport, spanIdOf, traceIdOf } from "../otlp_fixture.ts";
import { TraceStore } from "../traces.ts";
import { tracesPage } from "./traces.ts";

const nats = { "messaging.system": "nats" };
const order = traceIdOf(1);
const other = traceIdOf(2);
let now = 1_000_000;
const traces = new TraceStore({}, () => now);
const logs = new LogStore();
const add = (service: string, spans: FixtureSpan[]) =>
  traces.add(spansFromOtlpJson(otlpExport(service, spans)));
const s = (id: number, more: Partial<FixtureSpan>): FixtureSpan => ({
  traceId: order,
  spanId: spanIdOf(id),
  name: `span ${id}`,
  startMs: now,
  durationMs: 10,
  ...more,
});
add("gateway", [
  s(1, {
    name: "POST /orders",
    kind: 2,
    durationMs: 40,
    attributes: { "http.request.method": "POST" },
  }),
  s(2, { parentSpanId: spanIdOf(1), name: "send rpc.orders.place", kind: 3, attributes: nats }),
]);
add("orders", [
  s(3, { parentSpanId: spanIdOf(2), name: "process rpc.orders.place", kind: 2, attributes: nats }),
  s(4, {
    parentSpanId: spanIdOf(3),
    name: "publish orders.order.placed",
    kind: 4,
    attributes: nats,
  }),
]);
add("payments", [s(5, {
  parentSpanId: spanIdOf(4),
  name: "process orders.order.placed",
  kind: 5,
  startMs: now + 20,
  error: true,
  attributes: { ...nats, "messaging.consumer.group.name": "payments" },
})]);
add("catalog", [{
  traceId: other,
  spanId: spanIdOf(9),
  name: "GET /products",
  kind: 2,
  startMs: now - 5000,
  durationMs: 3,
}]);
logs.append(
  "orders",
  JSON.stringify({ level: "info", msg: "order placed", orderId: "o-1", traceId: order }),
);

const app = new Hono().route("/traces", tracesPage({ traces, logs }));
const page = async (path: string, status = 200) => {
  const res = await app.request(path);
  const text = await res.text();
  assert.equal(res.status, status, `${path}: ${text.slice(0, 200)}`);
  return text;
};

Deno.test("traces page", async (t) => {
  await t.step("the list: root, services, duration, errors, polled while open", async () => {
    const html = await page("/traces");
    assert.match(html, /<title>Traces/);
    assert.ok(html.includes(`href="/traces/${order}"`) && html.includes(`href="/traces/${other}"`));
    assert.ok(html.indexOf(order) < html.indexOf(other), "newest first");
    assert.match(html, />POST \/orders</);
    for (const name of ["gateway", "orders", "payments", "catalog"]) assert.ok(html.includes(name));
    assert.match(html, /class="bad">error</);
    assert.match(html, /hx-get="\/traces\/rows" hx-trigger="every 2s[ "]/);
  });

  await t.step("filtered by service, and by order through its log lines", async () => {
    const byService = await page("/traces/rows?service=catalog");
    assert.ok(byService.includes(other) && !byService.includes(order));
    const byOrder = await page("/traces?order=o-1");
    assert.ok(byOrder.includes(`/traces/${order}`) && !byOrder.includes(`/traces/${other}`));
    assert.match(byOrder, /hx-get="\/traces\/rows\?order=o-1"/, "the live part keeps the filter");
    assert.match(await page("/traces/rows?order=o-9"), /No traces match/);
  });

  await t.step("probes' traces only with the box ticked", async () => {
    const probe = traceIdOf(3);
    add("gateway", [{
      traceId: probe,
      spanId: spanIdOf(8),
      name: "GET /ready",
      kind: 2,
      startMs: now + 1,
      durationMs: 1,
      attributes: { "http.request.method": "GET", "url.path": "/ready" },
    }]);
    assert.ok(!(await page("/traces/rows")).includes(probe));
    const shown = await page("/traces?probes=1");
    assert.ok(shown.includes(`/traces/${probe}`));
    assert.match(shown, /name="probes" value="1" checked/);
    assert.match(shown, /hx-get="\/traces\/rows\?probes=1"/);
  });

  await t.step("a trace: a waterfall row per span, indented, kind and attributes", async () => {
    const html = await page(`/traces/${order.toUpperCase()}`);
    const rows = [
      ...html.matchAll(/<details class="span" data-service="(\w+)" data-kind="(\w+)">/g),
    ];
    assert.deepEqual(rows.map((r) => `${r[1]} ${r[2]}`), [
      "gateway server",
      "gateway client",
      "orders server",
      "orders producer",
      "payments consumer",
    ]);
    for (
      const hop of [
        "HTTP server",
        "NATS request",
        "NATS reply",
        "JetStream producer",
        "JetStream consumer",
      ]
    ) {
      assert.ok(html.includes(`<span class="hop">${hop}</span>`), hop);
    }
    assert.ok(html.includes("padding-left:4.4rem"), "the consumer four levels down");
    assert.ok(html.includes("left:50%;width:25%"), "the consumer's bar: 20 ms in, 10 ms of 40");
    assert.ok(html.includes("messaging.consumer.group.name"), "attributes in its details row");
    assert.ok(html.includes("error: boom"));
    assert.ok(html.includes("order placed"), "the trace's log lines");
    assert.match(
      html,
      /hx-get="\/traces\/[0-9a-f]{32}\/detail" hx-trigger="every 2s[ "]/,
      "still growing",
    );
  });

  await t.step("a settled trace stops polling", async () => {
    now += 60_000;
    const html = await page(`/traces/${order}/detail`);
    assert.ok(html.includes('id="trace-detail"') && !html.includes("hx-trigger"));
  });

  await t.step("an id not received yet is a 404 page that keeps asking; a bad id 400", async () => {
    const html = await page(`/traces/${traceIdOf(7)}`, 404);
    assert.match(html, /has arrived \(yet\)/);
    assert.match(html, /<title>Traces: 777777777777…/);
    assert.match(html, /hx-trigger="every 2s[ "]/);
    const res = await app.request("/traces/not-a-trace");
    assert.equal(res.status, 400);
    assert.equal((await res.json()).kind, "invalid");
  });
});
