import assert from "node:assert/strict";
import { coalescedWebSocket } from "./coalesced_websocket.ts";

/** A WebSocket server that keeps every frame it receives, as text. */
function frameRecorder() {
  const frames: string[] = [];
  const arrived = { wake: () => {} };
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.binaryType = "arraybuffer";
    socket.onmessage = (event) => {
      frames.push(
        typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data),
      );
      arrived.wake();
    };
    return response;
  });
  const until = (count: number) =>
    new Promise<void>((resolve) => {
      arrived.wake = () => frames.length >= count && resolve();
      arrived.wake();
    });
  return { frames, until, url: `ws://127.0.0.1:${server.addr.port}`, server };
}

Deno.test("coalesced WebSocket: writes of one turn leave as one frame, in order", async (t) => {
  const recorder = frameRecorder();
  const { socket, encrypted } = await coalescedWebSocket(recorder.url);
  await new Promise((resolve) => socket.onopen = resolve);
  const bytes = (text: string) => new TextEncoder().encode(text);
  try {
    assert.equal(encrypted, false);

    await t.step(
      "two binary sends in the same turn are one frame, the first bytes first",
      async () => {
        socket.send(bytes("CONNECT {}\r\n"));
        socket.send(bytes("PING\r\n").buffer);
        await recorder.until(1);
        assert.deepEqual(recorder.frames, ["CONNECT {}\r\nPING\r\n"]);
      },
    );

    await t.step("a buffer reused after send does not change what was sent", async () => {
      const reused = bytes("PUB a 1\r\nx\r\n");
      socket.send(reused);
      reused.fill(0);
      await recorder.until(2);
      assert.equal(recorder.frames[1], "PUB a 1\r\nx\r\n");
    });

    await t.step("sends in different turns stay separate frames", async () => {
      socket.send(bytes("A"));
      await new Promise((resolve) => setTimeout(resolve, 0));
      socket.send(bytes("B"));
      await recorder.until(4);
      assert.deepEqual(recorder.frames.slice(2), ["A", "B"]);
    });

    await t.step("a text send goes after the binary ones pending before it", async () => {
      socket.send(bytes("C"));
      socket.send("text");
      await recorder.until(6);
      assert.deepEqual(recorder.frames.slice(4), ["C", "text"]);
    });
  } finally {
    socket.close();
    await recorder.server.shutdown();
  }
});
