import assert from "node:assert/strict";
import { createLogger } from "../../../shared/log/mod.ts";
import { registry } from "../../../services/registry.ts";
import { dashboardApp } from "../app.ts";
import { LogStore } from "../logs.ts";
import { TraceStore } from "../traces.ts";
import { eventsPage } from "./events.ts";

// Bad input is refused before NATS is asked: a route that reached it would fail 500 here.
const app = dashboardApp({
  traces: new TraceStore(),
  logs: new LogStore(),
  registry,
  gatewayUrl: "http://127.0.0.1:9",
  instances: {},
  nats: () => Promise.reject(new Error("this test has no NATS")),
  log: createLogger({ service: "dashboard", write: () => {} }),
  actor: "dashboard (test)",
}, { events: eventsPage });

const post = async (path: string, body: string, type = "application/x-www-form-urlencoded") => {
  const res = await app.request(path, {
    method: "POST",
    headers: { "content-type": type },
    body,
  });
  assert.equal(res.headers.get("content-type"), "application/problem+json", path);
  return { status: res.status, problem: await res.json() };
};

Deno.test("dashboard Events: odd forms are 400 invalid before NATS", async (t) => {
  await t.step("a replay asked of the gateway, which answers no operator endpoint", async () => {
    const { status, problem } = await post("/events/replay", "service=gateway&stream=ORDERS");
    assert.equal(status, 400);
    assert.equal(problem.kind, "invalid");
    assert.match(JSON.stringify(problem), /service/);
  });

  await t.step("a replay's subject outside the stream chosen", async () => {
    const form = "service=payments&stream=ORDERS&subject=payments.>";
    const { status, problem } = await post("/events/replay", form);
    assert.equal(status, 400);
    assert.match(JSON.stringify(problem), /subject/);
  });

  await t.step("a multipart body without its boundary, or broken", async () => {
    for (const path of ["/events/replay", "/events/deadletters/1/discard"]) {
      for (const type of ["multipart/form-data", "multipart/form-data; boundary=xx"]) {
        const { status, problem } = await post(path, "garbage", type);
        assert.equal(status, 400, `${path} ${type}`);
        assert.equal(problem.kind, "invalid");
      }
    }
  });

  await t.step("a dead letter's sequence past 2^53 - 1", async () => {
    const { status } = await post("/events/deadletters/9999999999999999/redrive", "");
    assert.equal(status, 400);
  });
});
