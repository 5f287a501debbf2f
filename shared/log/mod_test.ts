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

Deno.test("log: a failed query is logged as the driver's error and the SQL, without the values", () => {
  const lines: string[] = [];
  const log = createLogger({ service: "s", level: "info", write: (l) => lines.push(l) });
  // As drizzle wraps a driver's error: its message lists the parameters, its name is "Error".
  const driver = Object.assign(
    new Error('duplicate key value violates unique constraint "outbox_pkey"'),
    { name: "PostgresError", code: "23505" },
  );
  const wrapper = Object.assign(
    new Error('Failed query: insert into "outbox" values ($1)\nparams: a@example.com', {
      cause: driver,
    }),
    { query: 'insert into "outbox" values ($1)', params: ["a@example.com"] },
  );
  log.error("write failed", { error: wrapper, plain: new Error("boom") });
  const [line] = lines.map((l) => JSON.parse(l));
  assert.deepEqual(line.error, {
    name: "PostgresError",
    message: 'duplicate key value violates unique constraint "outbox_pkey"',
    code: "23505",
    query: 'insert into "outbox" values ($1)',
  });
  assert.deepEqual(line.plain, { name: "Error", message: "boom" });
  assert.doesNotMatch(lines[0], /a@example\.com/);
});

Deno.test("log: credentials in a URL are masked, in a field or an error's message", () => {
  const lines: string[] = [];
  const log = createLogger({ service: "users", write: (line) => lines.push(line) });
  log.info("started", { nats: "nats://ops:s3cret@nats.internal:4222" });
  log.error("could not start", {
    error: new Error("connect to postgres://app:hunter2@db:5432/shop failed"),
  });
  assert.equal(JSON.parse(lines[0]).nats, "nats://***@nats.internal:4222");
  assert.equal(JSON.parse(lines[1]).error.message, "connect to postgres://***@db:5432/shop failed");
  assert.ok(!lines.join("\n").match(/s3cret|hunter2/));
});
