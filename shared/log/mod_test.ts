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

Deno.test("log: an error that wraps another logs what went wrong, not the wrapper's parameters", () => {
  const lines: string[] = [];
  const log = createLogger({ service: "s", level: "info", write: (l) => lines.push(l) });
  const driver = new Error('duplicate key value violates unique constraint "outbox_pkey"');
  const wrapper = new Error("Failed query: insert ...\nparams: a@example.com", { cause: driver });
  wrapper.name = "DrizzleQueryError";
  log.error("write failed", { error: wrapper });
  const [line] = lines.map((l) => JSON.parse(l));
  assert.deepEqual(line.error, {
    name: "DrizzleQueryError",
    message: 'duplicate key value violates unique constraint "outbox_pkey"',
  });
  assert.doesNotMatch(lines[0], /a@example\.com/);
});
