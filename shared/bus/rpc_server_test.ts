/**
 * The RPC server counts its requests by outcome (RED metrics), and its stop() waits for the
 * requests being answered.
 */
import assert from "node:assert/strict";
import * as z from "zod";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { defineRpcService } from "../contracts/mod.ts";
import { createLogger } from "../log/mod.ts";
import { registry } from "../telemetry/metrics.ts";
import { connectNats, rpcClient, serveRpc } from "./mod.ts";

Deno.test("RED metrics by outcome, and stop() waits for the requests being answered", async () => {
  const server = await startNatsServer({ authorization: false });
  const serverNc = await connectNats(server.url, "test");
  const callerNc = await connectNats(server.url, "test");
  const api = defineRpcService("redecho", {
    shout: {
      request: z.object({ text: z.string().min(1) }),
      reply: z.object({ text: z.string() }),
      idempotent: true,
    },
  });
  let finished = false;
  const rpc = await serveRpc(serverNc, api, {
    shout: async ({ text }) => {
      await new Promise((r) => setTimeout(r, 150));
      finished = true;
      return { text };
    },
  }, { version: "1.0.0", log: createLogger({ service: "redecho", level: "error" }) });
  const client = rpcClient(callerNc, api, { timeoutMs: 1000 });
  const series = async (name: string) =>
    (await registry!.getSingleMetricAsString(name)).split("\n").filter((l) =>
      l.includes('service="redecho"')
    );
  try {
    await client.shout({ text: "a" });
    await callerNc.request(api.endpoints.shout.subject, '{"text":""}');
    // Read twice: counts kept aside until a read are added once.
    for (let read = 0; read < 2; read++) {
      assert.deepEqual((await series("rpc_server_requests_total")).sort(), [
        'rpc_server_requests_total{service="redecho",endpoint="rpc.redecho.shout",outcome="invalid"} 1',
        'rpc_server_requests_total{service="redecho",endpoint="rpc.redecho.shout",outcome="ok"} 1',
      ]);
    }
    assert.ok(
      (await series("rpc_server_duration_seconds")).includes(
        'rpc_server_duration_seconds_count{service="redecho",endpoint="rpc.redecho.shout"} 2',
      ),
    );

    finished = false;
    const pending = client.shout({ text: "b" });
    await new Promise((r) => setTimeout(r, 50));
    await rpc.stop();
    assert.ok(finished, "stop() returned before the request being handled was answered");
    assert.deepEqual(await pending, { text: "b" });
  } finally {
    await callerNc.close();
    await serverNc.close();
    await server.dispose();
  }
});
