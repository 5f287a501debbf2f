/**
 * The gateway's body limit: 413 before an oversized body is read (declared or chunked, on every
 * route, over a real socket too), the configured limit, and a body within it going through.
 */
import assert from "node:assert/strict";
import { app, assertProblem, calls, gateway, limit, register } from "./fake_downstream.ts";

/** A body stream of `chunks` chunks of 16 KiB, pulled only when read; `pulled` counts bytes. */
function countingBody(chunks: number) {
  const counter = { pulled: 0 };
  let left = chunks;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left-- === 0) return controller.close();
      const chunk = new Uint8Array(16 * 1024).fill(0x20);
      counter.pulled += chunk.length;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
  return { stream, counter };
}

Deno.test("gateway body limit", async (t) => {
  await t.step("a declared Content-Length over the limit is 413, the body never read", async () => {
    const { stream, counter } = countingBody(6400); // 100 MiB if it were read
    calls.length = 0;
    const res = await app.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(100 * 2 ** 20) },
      body: stream,
    });
    const problem = await assertProblem(res, 413, "payload_too_large");
    assert.equal(problem.limitBytes, limit);
    assert.equal(counter.pulled, 0);
    assert.deepEqual(calls, []);
  });

  await t.step("a chunked body is read only up to the limit, then 413", async () => {
    const { stream, counter } = countingBody(6400);
    calls.length = 0;
    const res = await app.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
    });
    assert.equal(res.headers.get("content-length"), null);
    await assertProblem(res, 413, "payload_too_large");
    assert.ok(counter.pulled <= limit + 16 * 1024, `pulled ${counter.pulled} bytes`);
    assert.deepEqual(calls, []);
  });

  await t.step(
    "every route has it: over a socket, 100 MiB to a route with no body is 413",
    async () => {
      // Through Deno's HTTP server, as a client would; POST /products does not exist (404) but
      // the limit comes first. (Deno hands no body of a GET to the app at all.)
      const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
      try {
        const conn = await Deno.connect({ port: server.addr.port, hostname: "127.0.0.1" });
        try {
          await conn.write(new TextEncoder().encode(
            "POST /products HTTP/1.1\r\nhost: x\r\nconnection: close\r\n" +
              `content-length: ${100 * 2 ** 20}\r\n\r\n`,
          ));
          const buffer = new Uint8Array(4096);
          const read = await conn.read(buffer);
          const head = new TextDecoder().decode(buffer.subarray(0, read ?? 0));
          assert.match(head, /^HTTP\/1\.1 413 /);
          assert.match(head, /"kind":"payload_too_large"/);
        } finally {
          conn.close();
        }
      } finally {
        await server.shutdown();
      }
    },
  );

  await t.step("a body within the limit goes through", async () => {
    // Valid JSON padded with white space to just under the limit.
    const json = JSON.stringify(register);
    const body = json + " ".repeat(limit - json.length);
    const res = await app.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    assert.equal(res.status, 201, await res.clone().text());
    await res.body?.cancel();
  });

  await t.step("the limit is the configured one", async () => {
    const small = await gateway({ bodyLimitBytes: 1024 });
    const res = await small.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...register, name: "A".repeat(1000) }),
    });
    await assertProblem(res, 413, "payload_too_large");
  });
});
