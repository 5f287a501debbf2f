import assert from "node:assert/strict";
import { maxExportBytes, otlpReceiver } from "./otlp_receiver.ts";
import { otlpExport, spanIdOf, traceIdOf } from "./otlp_fixture.ts";
import { TraceStore } from "./traces.ts";

const json = { "content-type": "application/json" };
const body = JSON.stringify(otlpExport("orders", [{
  traceId: traceIdOf(1),
  spanId: spanIdOf(1),
  name: "process orders.order.placed",
  startMs: 1000,
  durationMs: 3,
}]));

Deno.test("OTLP receiver", async (t) => {
  await t.step("POST /v1/traces keeps the spans and answers {}", async () => {
    const store = new TraceStore();
    const res = await otlpReceiver(store).request("/v1/traces", {
      method: "POST",
      headers: json,
      body,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
    assert.equal(store.recent()[0].rootName, "process orders.order.placed");
  });

  await t.step("logs and metrics are accepted and dropped", async () => {
    const store = new TraceStore();
    const app = otlpReceiver(store);
    for (const path of ["/v1/logs", "/v1/metrics"]) {
      const res = await app.request(path, { method: "POST", headers: json, body });
      assert.equal(res.status, 200, path);
    }
    assert.equal(store.size, 0);
  });

  await t.step("protobuf is 415 and broken JSON 400, problem+json with a kind", async () => {
    const app = otlpReceiver(new TraceStore());
    const protobuf = await app.request("/v1/traces", {
      method: "POST",
      headers: { "content-type": "application/x-protobuf" },
      body: new Uint8Array([10, 2]),
    });
    assert.equal(protobuf.status, 415);
    assert.equal(protobuf.headers.get("content-type"), "application/problem+json");
    assert.equal((await protobuf.json()).kind, "unsupported_media_type");
    const broken = await app.request("/v1/traces", { method: "POST", headers: json, body: "{" });
    assert.equal(broken.status, 400);
    assert.equal((await broken.json()).kind, "invalid_json");
  });

  await t.step("with forwardTo, each export goes on unchanged to the same path", async () => {
    const sent: { url: string; body: string; type: string | null }[] = [];
    const errors: unknown[] = [];
    let answer = 200;
    const forwardingFetch = async (url: string | URL | Request, init?: RequestInit) => {
      sent.push({
        url: String(url),
        body: String(init?.body),
        type: new Headers(init?.headers).get("content-type"),
      });
      return await Promise.resolve(new Response("{}", { status: answer }));
    };
    const store = new TraceStore();
    const app = otlpReceiver(store, {
      forwardTo: "http://collector:4318/",
      fetch: forwardingFetch as typeof fetch,
      onForwardError: (error) => errors.push(error),
    });
    await app.request("/v1/traces", { method: "POST", headers: json, body });
    answer = 503;
    await app.request("/v1/logs", { method: "POST", headers: json, body: "{}" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(sent, [
      { url: "http://collector:4318/v1/traces", body, type: "application/json" },
      { url: "http://collector:4318/v1/logs", body: "{}", type: "application/json" },
    ]);
    assert.equal(store.size, 1, "kept here too");
    assert.equal(errors.length, 1, "a collector's refusal is reported, not thrown");
  });

  await t.step("a signal's own URL wins over forwardTo for that signal", async () => {
    const sent: string[] = [];
    const app = otlpReceiver(new TraceStore(), {
      forwardTo: "http://collector:4318",
      forwardSignals: { "/v1/traces": "http://tempo:4318/v1/traces" },
      fetch: ((url: string | URL | Request) => (
        sent.push(String(url)), Promise.resolve(new Response("{}"))
      )) as typeof fetch,
    });
    await app.request("/v1/traces", { method: "POST", headers: json, body });
    await app.request("/v1/metrics", { method: "POST", headers: json, body: "{}" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(sent, ["http://tempo:4318/v1/traces", "http://collector:4318/v1/metrics"]);
  });

  await t.step("an export over the limit is 413, chunked (no content-length) too", async () => {
    const store = new TraceStore();
    const app = otlpReceiver(store);
    await using server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      app.fetch,
    );
    const url = `http://127.0.0.1:${server.addr.port}/v1/traces`;
    // A stream body goes out chunked: the receiver learns its size only by reading it.
    const chunked = (text: string, times: number) =>
      fetch(url, {
        method: "POST",
        headers: json,
        body: ReadableStream.from(Array.from({ length: times }, () => encoder.encode(text))),
      });
    const encoder = new TextEncoder();
    const pad = " ".repeat(1024 * 1024);
    const over = await chunked(pad, maxExportBytes / pad.length + 1);
    assert.equal(over.status, 413);
    assert.equal((await over.json()).kind, "too_large");
    const declared = await fetch(url, {
      method: "POST",
      headers: json,
      body: " ".repeat(maxExportBytes + 1),
    });
    assert.equal(declared.status, 413);
    await declared.body?.cancel();
    const under = await chunked(body, 1);
    assert.equal(under.status, 200, "a small chunked export is read as before");
    await under.body?.cancel();
    assert.equal(store.size, 1);
  });
});
