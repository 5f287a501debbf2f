/**
 * A body that stops coming is bounded by the request's deadline: 408 request_timeout with
 * Connection: close, the body stream cancelled, nothing downstream asked.
 */
import assert from "node:assert/strict";
import { assertProblem, calls, gateway, token } from "./fake_downstream.ts";

/** A body that sends `sent` bytes of the `declared` and then nothing more; `cancelled` once dropped. */
function stalledBody(sent: number) {
  const state = { cancelled: false };
  let first = true;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!first) return new Promise<void>(() => {}); // the client stops sending
      first = false;
      controller.enqueue(new Uint8Array(sent).fill(0x20));
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

Deno.test("gateway slow body: reading is bounded by the request's deadline", async (t) => {
  const budgetMs = 300;
  const quick = await gateway({ requestBudgetMs: budgetMs });

  await t.step(
    "a body that stops short of its Content-Length is 408, then left unread",
    async () => {
      const { stream, state } = stalledBody(17);
      calls.length = 0;
      const res = await quick.request("/wallet/deposits", {
        method: "POST",
        headers: {
          authorization: `Bearer ${await token("user")}`,
          "content-type": "application/json",
          "content-length": "100",
        },
        body: stream,
      });
      await assertProblem(res, 408, "request_timeout");
      assert.equal(res.headers.get("connection"), "close");
      assert.ok(state.cancelled, "the body stream is cancelled");
      assert.deepEqual(calls, []);
    },
  );

  await t.step("a chunked body that stops coming is 408 too", async () => {
    const { stream, state } = stalledBody(17);
    const res = await quick.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
    });
    await assertProblem(res, 408, "request_timeout");
    assert.ok(state.cancelled);
  });

  await t.step("over a socket: the client is answered 408 at the deadline", async () => {
    // Deno's server keeps the connection until the client sends the rest or goes away (Deno
    // has no read timeout, denoland/deno#3515): the app can answer, not close it.
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, quick.fetch);
    try {
      const conn = await Deno.connect({ port: server.addr.port, hostname: "127.0.0.1" });
      try {
        await conn.write(new TextEncoder().encode(
          "POST /wallet/deposits HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
            `authorization: Bearer ${await token("user")}\r\ncontent-length: 100\r\n\r\n` +
            '{"amountCents":1',
        ));
        let text = "";
        const buffer = new Uint8Array(4096);
        while (!text.includes("}")) {
          const read = await conn.read(buffer);
          if (read === null) break;
          text += new TextDecoder().decode(buffer.subarray(0, read));
        }
        assert.match(text, /^HTTP\/1\.1 408 /);
        assert.match(text, /"kind":"request_timeout"/);
      } finally {
        conn.close();
      }
    } finally {
      await server.shutdown();
    }
  });
});
