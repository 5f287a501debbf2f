/**
 * Every gateway answer names its trace in X-Trace-Id when tracing is on, so a user can open it
 * in the dev dashboard or a collector: the caller's trace when it sent a `traceparent`, else the
 * one the gateway's server span began, which is exported under that id. With tracing off there
 * is no trace, and no header. Tracing is switched on per process (OTEL_DENO=true): the traced
 * gateway runs in a process of its own, exporting to a receiver in this one.
 */
import assert from "node:assert/strict";
import { freePort } from "../../tests/harness/nats_server.ts";
import { exportingTo, otlpReceiver, spanKind } from "../../tests/harness/otlp_receiver.ts";
import { tracing } from "../../shared/telemetry/mod.ts";
import { app, token } from "./fake_downstream.ts";

/** The fake-downstream gateway served on a free port until its stdin closes. */
const tracedGateway = `
import { app, token } from ${JSON.stringify(new URL("./fake_downstream.ts", import.meta.url).href)};
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
console.log(JSON.stringify({ port: server.addr.port, token: await token("user") }));
await new Response(Deno.stdin.readable).text();
await server.shutdown();
`;

const hex32 = /^[0-9a-f]{32}$/;

Deno.test({
  name: "gateway X-Trace-Id: the request's trace when tracing is on, absent when off",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    await t.step("tracing off (this process): no header, on success or error", async () => {
      assert.equal(tracing(), false, "this test process runs without OTEL_DENO");
      const answers = [
        await app.request("/health"),
        await app.request("/no-such-route"),
        await app.request("/orders", {
          headers: { authorization: `Bearer ${await token("user")}` },
        }),
      ];
      assert.deepEqual(answers.map((res) => res.status), [200, 404, 503]);
      for (const res of answers) {
        await res.body?.cancel();
        assert.equal(res.headers.get("x-trace-id"), null);
      }
    });

    const receiverPort = freePort();
    const receiver = otlpReceiver(receiverPort);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", tracedGateway],
      env: exportingTo(receiverPort, "gateway"),
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    try {
      const firstLine = await child.stdout.pipeThrough(new TextDecoderStream()).getReader().read();
      const { port, token: userToken } = JSON.parse(firstLine.value!);
      const url = (path: string) => `http://127.0.0.1:${port}${path}`;
      const answered: { path: string; traceId: string }[] = [];

      await t.step("on: a caller's traceparent is the trace named", async () => {
        const callers = "4bf92f3577b34da6a3ce929d0e0e4736";
        const res = await fetch(url("/health"), {
          headers: { traceparent: `00-${callers}-00f067aa0ba902b7-01` },
        });
        await res.body?.cancel();
        assert.equal(res.headers.get("x-trace-id"), callers);
        answered.push({ path: "/health", traceId: callers });
      });

      await t.step("on: a new trace on success, 404 and 503 alike, one per request", async () => {
        for (
          const [path, status, init] of [
            ["/health", 200, {}],
            ["/no-such-route", 404, {}],
            ["/orders", 503, { headers: { authorization: `Bearer ${userToken}` } }],
          ] as const
        ) {
          const res = await fetch(url(path), init);
          await res.body?.cancel();
          assert.equal(res.status, status, path);
          const traceId = res.headers.get("x-trace-id") ?? "";
          assert.match(traceId, hex32, path);
          answered.push({ path, traceId });
        }
        assert.equal(new Set(answered.map((a) => a.traceId)).size, answered.length);
      });

      await t.step("on: the id named is the trace the gateway exported", async () => {
        // Closing its stdin stops it; Deno's exporter flushes on the way out.
        await child.stdin.close();
        assert.equal((await child.status).code, 0);
        for (const { path, traceId } of answered) {
          const spans = receiver.store.trace(traceId) ?? [];
          const server = spans.find((s) => s.kind === spanKind.server);
          assert.ok(server, `${path}: no server span under ${traceId}`);
          assert.equal(server.service, "gateway");
          assert.equal(server.attributes["url.path"], path);
        }
      });
    } finally {
      await child.stdin.close().catch(() => {});
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await child.status;
      await receiver.shutdown();
    }
  },
});
