import assert from "node:assert/strict";
import { spansFromOtlpJson } from "./otlp_json.ts";
import { type FixtureSpan, otlpExport, spanIdOf, traceIdOf } from "./otlp_fixture.ts";
import { TraceStore } from "./traces.ts";

const span = (trace: number, id: number, more: Partial<FixtureSpan> = {}): FixtureSpan => ({
  traceId: traceIdOf(trace),
  spanId: spanIdOf(id),
  name: `span ${id}`,
  startMs: 1000 + id,
  durationMs: 10,
  ...more,
});
const add = (store: TraceStore, service: string, spans: FixtureSpan[]) =>
  store.add(spansFromOtlpJson(otlpExport(service, spans)));

Deno.test("trace store", async (t) => {
  await t.step("a trace from several batches: root, services in order, duration, error", () => {
    const store = new TraceStore();
    // The consumer's batch comes first, as a later hop's exporter may flush sooner.
    add(store, "payments", [
      span(1, 3, {
        parentSpanId: spanIdOf(2),
        kind: 5,
        startMs: 1020,
        durationMs: 30,
        error: true,
      }),
    ]);
    add(store, "gateway", [span(1, 1, { name: "POST /orders", kind: 2, startMs: 1000 })]);
    add(store, "orders", [span(1, 2, { parentSpanId: spanIdOf(1), kind: 4, startMs: 1005 })]);
    const [summary] = store.recent();
    assert.equal(summary.traceId, traceIdOf(1));
    assert.equal(summary.rootName, "POST /orders");
    assert.equal(summary.rootService, "gateway");
    assert.equal(summary.spanCount, 3);
    assert.deepEqual(summary.services, ["gateway", "orders", "payments"]);
    assert.equal(summary.startMs, 1000);
    assert.equal(summary.durationMs, 50, "from the first start to the last end");
    assert.equal(summary.error, true);
    assert.deepEqual(store.trace(traceIdOf(1))!.map((s) => s.spanId), [1, 2, 3].map(spanIdOf));
    assert.deepEqual(store.summary(traceIdOf(1)), summary);
  });

  await t.step("a root whose parent came from outside is the root all the same", () => {
    const store = new TraceStore();
    add(store, "gateway", [
      span(1, 2, { parentSpanId: spanIdOf(9), name: "GET /orders/:id", startMs: 1000 }),
      span(1, 3, { parentSpanId: spanIdOf(2), name: "send rpc.orders.get", startMs: 999 }),
    ]);
    assert.equal(store.recent()[0].rootName, "GET /orders/:id");
  });

  await t.step("recent: newest start first, limit, by service, by ids", () => {
    const store = new TraceStore();
    add(store, "gateway", [span(1, 1, { startMs: 3000 }), span(2, 2, { startMs: 1000 })]);
    add(store, "catalog", [span(3, 3, { startMs: 2000 })]);
    assert.deepEqual(store.recent().map((s) => s.traceId), [1, 3, 2].map(traceIdOf));
    assert.deepEqual(store.recent({ limit: 1 }).map((s) => s.traceId), [traceIdOf(1)]);
    assert.deepEqual(store.recent({ service: "catalog" }).map((s) => s.traceId), [traceIdOf(3)]);
    assert.deepEqual(
      store.recent({ traceIds: [traceIdOf(2), traceIdOf(7)] }).map((s) => s.traceId),
      [traceIdOf(2)],
    );
    assert.deepEqual(store.services(), ["catalog", "gateway"]);
    assert.equal(store.trace(traceIdOf(7)), undefined);
  });

  await t.step("probes' traces only when asked", () => {
    const store = new TraceStore();
    const get = (path: string) => ({ "http.request.method": "GET", "url.path": path });
    add(store, "gateway", [
      span(1, 1, { kind: 2, name: "GET /ready", attributes: get("/ready") }),
      span(2, 2, { kind: 2, name: "GET /orders", attributes: get("/orders") }),
      span(3, 3, { kind: 2, name: "GET", attributes: get("/health") }),
    ]);
    assert.deepEqual(store.recent().map((s) => s.rootName), ["GET /orders"]);
    assert.equal(store.recent({ probes: true }).length, 3);
    assert.equal(store.summary(traceIdOf(1))!.probe, true);
  });

  await t.step("bounded: the trace longest without a new span goes first", () => {
    const store = new TraceStore({ maxTraces: 2 });
    add(store, "a", [span(1, 1)]);
    add(store, "a", [span(2, 2)]);
    add(store, "b", [span(1, 3)]); // trace 1 grows: trace 2 is now the stalest
    add(store, "a", [span(3, 4)]);
    assert.equal(store.size, 2);
    assert.ok(store.trace(traceIdOf(1)));
    assert.equal(store.trace(traceIdOf(2)), undefined);
    assert.ok(store.trace(traceIdOf(3)));
  });

  await t.step("bounded: probes go first once they hold a quarter of the store", () => {
    const store = new TraceStore({ maxTraces: 8 });
    const probe = { kind: 2, attributes: { "http.request.method": "GET", "url.path": "/ready" } };
    add(store, "gateway", [span(1, 1)]); // a request, the oldest
    for (let i = 2; i <= 4; i++) add(store, "gateway", [span(i, i, probe)]);
    for (let i = 5; i <= 9; i++) add(store, "gateway", [span(i, i)]);
    // 9 traces, 3 probes: over a quarter of 8, so the oldest probe went, not the request.
    assert.ok(store.trace(traceIdOf(1)), "the oldest request stays");
    assert.equal(store.trace(traceIdOf(2)), undefined);
    add(store, "gateway", [span(10, 10)]);
    // Two probes left, a quarter: the oldest of all goes.
    assert.equal(store.trace(traceIdOf(1)), undefined);
    assert.ok(store.trace(traceIdOf(3)) && store.trace(traceIdOf(4)));
    assert.equal(store.size, 8);
  });

  await t.step("bounded per trace; a span sent twice is kept once", () => {
    const store = new TraceStore({ maxSpansPerTrace: 2 });
    add(store, "a", [span(1, 1), span(1, 1, { name: "again" }), span(1, 2), span(1, 3)]);
    assert.deepEqual(store.trace(traceIdOf(1))!.map((s) => s.name), ["again", "span 2"]);
    assert.equal(store.dropped, 1);
  });

  await t.step("receivedMs tells a trace still growing", () => {
    let now = 5;
    const store = new TraceStore({}, () => now);
    add(store, "a", [span(1, 1)]);
    now = 9;
    add(store, "b", [span(1, 2)]);
    assert.equal(store.summary(traceIdOf(1))!.receivedMs, 9);
  });
});
