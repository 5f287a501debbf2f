import assert from "node:assert/strict";
import * as z from "zod";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { defineRpcService } from "../contracts/mod.ts";
import { createLogger } from "../log/mod.ts";
import { connectNats, natsAnswers, rpcClient, serveRpc } from "./mod.ts";

const pingApi = defineRpcService("pinger", {
  ping: { request: z.object({}), reply: z.object({ pong: z.boolean() }), idempotent: true },
});

Deno.test("connectNats: ws:// goes over WebSocket, nats:// over TCP, and both talk", async () => {
  const server = await startNatsServer({ authorization: false });
  const overWs = await connectNats(server.wsUrl, "ws-side");
  const overTcp = await connectNats(server.url, "tcp-side");
  try {
    // The WebSocket listener has a port of its own: connected there means it went over ws.
    assert.equal(overWs.getServer(), new URL(server.wsUrl).host);
    assert.equal(overTcp.getServer(), new URL(server.url).host);
    const log = createLogger({ service: "pinger", level: "error" });
    await serveRpc(overWs, pingApi, { ping: () => Promise.resolve({ pong: true }) }, {
      version: "1.0.0",
      log,
    });
    assert.deepEqual(await rpcClient(overTcp, pingApi, { timeoutMs: 1000 }).ping({}), {
      pong: true,
    });
  } finally {
    await overWs.close();
    await overTcp.close();
    await server.dispose();
  }
});

Deno.test("connectNats: the connection survives a server restart", async () => {
  const server = await startNatsServer({ authorization: false });
  const nc = await connectNats(server.url, "survivor");
  try {
    await server.restart();
    const until = Date.now() + 5000;
    let answered = false;
    while (!answered && Date.now() < until) {
      answered = await natsAnswers(nc, 200).then(() => true, () => false);
    }
    assert.ok(answered, "no answer within 5 s of the restart");
    assert.equal(nc.isClosed(), false);
  } finally {
    await nc.close();
    await server.dispose();
  }
});
