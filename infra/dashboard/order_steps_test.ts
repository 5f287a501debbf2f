import assert from "node:assert/strict";
import { registry } from "../../services/registry.ts";
import { sagaStreams, traceIdOf } from "./order_steps.ts";

Deno.test("an order's saga in the streams", async (t) => {
  await t.step("the streams that hold the saga's events, from the registry", () => {
    const published = registry.flatMap((s) =>
      s.bus.publishes ? [{ service: s.name, stream: s.bus.publishes }] : []
    );
    assert.deepEqual(sagaStreams(published).sort(), ["CATALOG", "ORDERS", "PAYMENTS"]);
  });

  await t.step("a step's trace from its traceparent header", () => {
    const traceId = "5383b677c79eae22979e1c4ff065f7de";
    assert.equal(
      traceIdOf({ headers: { traceparent: `00-${traceId}-ad4ed9a897e5c9b2-01` } }),
      traceId,
    );
    assert.equal(traceIdOf({ headers: {} }), undefined);
    assert.equal(traceIdOf({ headers: { traceparent: "00-nonsense-01" } }), undefined);
  });
});
