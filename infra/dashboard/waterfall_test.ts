import assert from "node:assert/strict";
import type { SpanRecord } from "./traces.ts";
import { formatDuration, hopOf, serviceColour, waterfall } from "./waterfall.ts";

const span = (
  id: string,
  parent: string | undefined,
  startMs: number,
  durationMs: number,
  more: Partial<SpanRecord> = {},
): SpanRecord => ({
  traceId: "t".repeat(32),
  spanId: id,
  ...(parent ? { parentSpanId: parent } : {}),
  name: id,
  service: "gateway",
  kind: "internal",
  startMs,
  durationMs,
  status: "unset",
  attributes: {},
  ...more,
});

Deno.test("waterfall", async (t) => {
  await t.step("depth-first under parents, siblings by start, bars on one axis", () => {
    const layout = waterfall([
      span("consume", "publish", 1060, 40),
      span("root", undefined, 1000, 100),
      span("reply", "request", 1020, 20),
      span("request", "root", 1010, 40),
      span("publish", "reply", 1030, 5),
    ]);
    assert.equal(layout.startMs, 1000);
    assert.equal(layout.durationMs, 100);
    assert.deepEqual(
      layout.rows.map((r) => [r.span.spanId, r.depth, r.offsetPercent, r.widthPercent]),
      [
        ["root", 0, 0, 100],
        ["request", 1, 10, 40],
        ["reply", 2, 20, 20],
        ["publish", 3, 30, 5],
        ["consume", 4, 60, 40],
      ],
    );
    assert.ok(layout.rows.every((r) => !r.orphan));
  });

  await t.step("a span whose parent never arrived is a root, marked", () => {
    const layout = waterfall([span("a", undefined, 0, 10), span("b", "missing", 5, 1)]);
    assert.deepEqual(layout.rows.map((r) => [r.span.spanId, r.depth, r.orphan]), [
      ["a", 0, false],
      ["b", 0, true],
    ]);
  });

  await t.step("a parent cycle still shows each span once; empty and instant traces", () => {
    const layout = waterfall([span("a", "b", 0, 1), span("b", "a", 0, 1)]);
    assert.deepEqual(layout.rows.map((r) => r.span.spanId).sort(), ["a", "b"]);
    assert.deepEqual(waterfall([]).rows, []);
    const instant = waterfall([span("a", undefined, 5, 0)]);
    assert.ok(instant.durationMs > 0);
    assert.equal(instant.rows[0].widthPercent, 0);
  });

  await t.step("hops named from kind and attributes", () => {
    const nats = { "messaging.system": "nats" };
    const http = { "http.request.method": "GET" };
    const hops = [
      span("a", undefined, 0, 1, { kind: "server", attributes: http }),
      span("b", undefined, 0, 1, { kind: "client", attributes: http }),
      span("c", undefined, 0, 1, { kind: "client", attributes: nats }),
      span("d", undefined, 0, 1, { kind: "server", attributes: nats }),
      span("e", undefined, 0, 1, { kind: "producer", attributes: nats }),
      span("f", undefined, 0, 1, { kind: "consumer", attributes: nats }),
      span("g", undefined, 0, 1),
    ].map(hopOf);
    assert.deepEqual(hops, [
      "HTTP server",
      "HTTP client",
      "NATS request",
      "NATS reply",
      "JetStream producer",
      "JetStream consumer",
      "internal",
    ]);
  });

  await t.step("a service keeps its colour; durations read well", () => {
    assert.equal(serviceColour("orders"), serviceColour("orders"));
    assert.notEqual(serviceColour("orders"), serviceColour("payments"));
    assert.deepEqual([0.25, 12.345, 450.2, 4020].map(formatDuration), [
      "250 µs",
      "12.3 ms",
      "450 ms",
      "4.02 s",
    ]);
  });
});
