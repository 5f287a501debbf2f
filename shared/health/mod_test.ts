import assert from "node:assert/strict";
import { probeRoutes } from "./mod.ts";

const ok = () => Promise.resolve();
const down = () => Promise.reject(new Error("connection refused"));
const hangs = () => new Promise<void>(() => {});

Deno.test("ready: 200 when every check answers", async () => {
  const res = await probeRoutes({ nats: ok, database: ok }).request("/ready");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ready", checks: { nats: "ok", database: "ok" } });
});

Deno.test("ready: 503 naming what fails, and a check that hangs counts as failing", async () => {
  const res = await probeRoutes({ nats: ok, database: down, search: hangs }).request("/ready");
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), {
    status: "unavailable",
    checks: { nats: "ok", database: "connection refused", search: "no answer in time" },
  });
});

Deno.test("health answers while dependencies fail; metrics are Prometheus text", async () => {
  const app = probeRoutes({ database: down });
  assert.equal((await app.request("/health")).status, 200);
  const metrics = await app.request("/metrics");
  assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain/);
  assert.match(await metrics.text(), /# TYPE rpc_server_requests_total counter/);
});
