import assert from "node:assert/strict";
import { spansFromOtlpJson } from "./otlp_json.ts";
import { otlpExport, spanIdOf, traceIdOf } from "./otlp_fixture.ts";

Deno.test("OTLP JSON decoding", async (t) => {
  await t.step("a span keeps ids, parent, kind, times to the microsecond and attributes", () => {
    const [span] = spansFromOtlpJson(otlpExport("orders", [{
      traceId: traceIdOf("A"),
      spanId: spanIdOf("b"),
      parentSpanId: spanIdOf("c"),
      name: "process rpc.orders.place",
      kind: 2,
      startMs: 1_796_042_755_991.675,
      durationMs: 5.328,
      attributes: { "messaging.system": "nats", "http.response.status_code": 201, ok: true },
    }]));
    assert.equal(span.traceId, "a".repeat(32), "hex ids are lower-cased");
    assert.equal(span.spanId, spanIdOf("b"));
    assert.equal(span.parentSpanId, spanIdOf("c"));
    assert.equal(span.service, "orders");
    assert.equal(span.kind, "server");
    assert.ok(Math.abs(span.startMs - 1_796_042_755_991.675) < 0.001, `${span.startMs}`);
    assert.ok(Math.abs(span.durationMs - 5.328) < 0.001, `${span.durationMs}`);
    assert.equal(span.status, "unset");
    assert.deepEqual(span.attributes, {
      "messaging.system": "nats",
      "http.response.status_code": 201,
      ok: true,
    });
  });

  await t.step("kinds and statuses spelled as names; a root has no parent", () => {
    const [span] = spansFromOtlpJson(otlpExport("payments", [{
      traceId: traceIdOf(1),
      spanId: spanIdOf(2),
      name: "publish payments.payment.charged",
      kind: "SPAN_KIND_PRODUCER",
      startMs: 1000,
      durationMs: 1,
      error: true,
    }]));
    assert.equal(span.kind, "producer");
    assert.equal(span.parentSpanId, undefined);
    assert.equal(span.status, "error");
    assert.equal(span.statusMessage, "boom");
  });

  await t.step("spans without valid ids are skipped; junk never throws", () => {
    const body = otlpExport("x", [
      { traceId: "nothex", spanId: spanIdOf(1), name: "a", startMs: 0, durationMs: 0 },
      { traceId: traceIdOf(1), spanId: "12", name: "b", startMs: 0, durationMs: 0 },
      { traceId: traceIdOf(1), spanId: spanIdOf(3), name: "c", startMs: 0, durationMs: 0 },
    ]);
    assert.deepEqual(spansFromOtlpJson(body).map((s) => s.name), ["c"]);
    for (const junk of [null, 1, "x", [], { resourceSpans: 3 }, { resourceSpans: [null] }]) {
      assert.deepEqual(spansFromOtlpJson(junk), []);
    }
  });

  await t.step("a resource without service.name is '?'", () => {
    const body = otlpExport("x", [{
      traceId: traceIdOf(1),
      spanId: spanIdOf(1),
      name: "a",
      startMs: 0,
      durationMs: 0,
    }]);
    body.resourceSpans[0].resource.attributes = [];
    assert.equal(spansFromOtlpJson(body)[0].service, "?");
  });
});
