import assert from "node:assert/strict";
import { createLogger } from "./mod.ts";

Deno.test("log: a child's lines carry its fields and its parents', the nearest winning", () => {
  const lines: string[] = [];
  const root = createLogger({ service: "s", level: "info", write: (l) => lines.push(l) }, {
    region: "eu",
    step: "root",
  });
  const request = root.child({ correlationId: "c1", step: "request" });
  request.child({ orderId: "o1" }).warn("late", { error: new Error("boom") });
  request.debug("below the threshold");
  root.info("plain");
  const [late, plain] = lines.map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.equal(late.level, "warn");
  assert.equal(late.service, "s");
  assert.equal(late.msg, "late");
  assert.equal(late.region, "eu");
  assert.equal(late.step, "request");
  assert.equal(late.correlationId, "c1");
  assert.equal(late.orderId, "o1");
  assert.deepEqual(late.error, { name: "Error", message: "boom" });
  assert.equal(plain.step, "root");
  assert.equal(plain.correlationId, undefined);
});
