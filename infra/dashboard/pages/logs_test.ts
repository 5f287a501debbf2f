import assert from "node:assert/strict";
import { Hono } from "hono";
import { LogStore } from "../logs.ts";
import { TraceStore } from "../traces.ts";
import { logsPage } from "./logs.ts";

const logs = new LogStore();
const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ time: "2026-11-30T12:00:00.000Z", ...fields });
logs.append(
  "gateway",
  line({ level: "info", msg: "request", correlationId: "c-1", path: "/orders" }),
);
logs.append(
  "orders",
  line({
    level: "info",
    msg: "order placed",
    correlationId: "c-1",
    orderId: "o-1",
    traceId: "a".repeat(32),
  }),
);
logs.append("payments", line({ level: "warn", msg: "charge declined", orderId: "o-1" }));
logs.append("orders", line({ level: "error", msg: "saga stuck", orderId: "o-2" }));
logs.append("orders", line({ level: "debug", msg: "relay tick <b>" }));
const app = new Hono().route("/logs", logsPage({ traces: new TraceStore(), logs }));
const messages = async (path: string) => {
  const res = await app.request(path);
  assert.equal(res.status, 200, path);
  return [...(await res.text()).matchAll(/<td class="msg">(.*?)<\/td>/g)].map((m) => m[1]);
};

Deno.test("logs page", async (t) => {
  await t.step("every process merged, newest first, escaped, tailed live", async () => {
    const res = await app.request("/logs");
    const html = await res.text();
    assert.match(html, /<title>Logs/);
    assert.match(html, /hx-get="\/logs\/rows" hx-trigger="every 2s[ "]/);
    assert.ok(html.includes("relay tick &lt;b&gt;") && !html.includes("relay tick <b>"));
    assert.deepEqual(await messages("/logs/rows"), [
      "relay tick &lt;b&gt;",
      "saga stuck",
      "charge declined",
      "order placed",
      "request",
    ]);
  });

  await t.step(
    "filters: service, level and above, correlation id, order id, trace id",
    async () => {
      assert.deepEqual(await messages("/logs/rows?service=payments"), ["charge declined"]);
      assert.deepEqual(await messages("/logs/rows?level=warn"), ["saga stuck", "charge declined"]);
      assert.deepEqual(await messages("/logs/rows?correlationId=c-1"), ["order placed", "request"]);
      assert.deepEqual(await messages("/logs/rows?orderId=o-1&level=info"), [
        "charge declined",
        "order placed",
      ]);
      assert.deepEqual(await messages(`/logs/rows?traceId=${"a".repeat(32)}`), ["order placed"]);
      const filtered = await (await app.request("/logs?orderId=o-1&service=orders")).text();
      assert.match(filtered, /hx-get="\/logs\/rows\?service=orders&amp;orderId=o-1"/);
      assert.match(filtered, /<option selected>orders<\/option>/);
    },
  );

  await t.step("ids link to their filters and the trace", async () => {
    const html = await (await app.request("/logs/rows?orderId=o-1")).text();
    assert.ok(html.includes('href="/logs?correlationId=c-1"'));
    assert.ok(html.includes('href="/logs?orderId=o-1"'));
    assert.ok(html.includes(`href="/traces/${"a".repeat(32)}"`));
  });

  await t.step("an unknown level is 400 problem+json naming the field", async () => {
    for (const path of ["/logs?level=loud", "/logs/rows?level=loud"]) {
      const res = await app.request(path);
      assert.equal(res.status, 400);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      const body = await res.json();
      assert.equal(body.kind, "invalid");
      assert.equal(body.field, "level");
    }
  });
});
