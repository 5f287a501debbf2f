/**
 * What a call puts on the wire besides its body: its correlation id and the callee's budget as
 * headers, read back by nats-core as any client would, and a correlation id that a header cannot
 * hold refused before anything is sent.
 */
import assert from "node:assert/strict";
import { errors, headers as natsHeaders, type Msg } from "@nats-io/nats-core";
import * as z from "zod";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { defineRpcService } from "../contracts/mod.ts";
import { connectNats, rpcClient } from "./mod.ts";
import { budgetHeader, calleeBudgetMs, correlationHeader, requestHeaders } from "./headers.ts";

Deno.test("request headers: the correlation id and budget as nats-core reads them", async (t) => {
  await t.step("on the wire, read by a plain subscriber", async () => {
    const server = await startNatsServer({ authorization: false });
    const nc = await connectNats(server.url, "test");
    const api = defineRpcService("headerecho", {
      look: { request: z.object({}), reply: z.object({}), idempotent: false },
    });
    const seen: Msg[] = [];
    const sub = nc.subscribe(api.endpoints.look.subject, {
      callback: (_error, msg) => {
        seen.push(msg);
        msg.respond("{}");
      },
    });
    try {
      const client = rpcClient(nc, api, { timeoutMs: 2000 });
      assert.deepEqual(await client.look({}, { correlationId: "order-42_x=" }), {});
      await client.look({});
      const [given, fresh] = seen.map((msg) => msg.headers!);
      assert.equal(given.get(correlationHeader), "order-42_x=");
      assert.match(fresh.get(correlationHeader), /^[0-9a-f-]{36}$/);
      for (const h of [given, fresh]) {
        const budget = Number(h.get(budgetHeader));
        assert.ok(budget > 0 && budget <= calleeBudgetMs(2000), String(budget));
        assert.deepEqual(h.keys(), [correlationHeader, budgetHeader]);
      }
    } finally {
      sub.unsubscribe();
      await nc.close();
      await server.dispose();
    }
  });

  await t.step("encoded as nats-core's own append would", () => {
    const ours = requestHeaders(" abc ", 180);
    ours.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    const theirs = natsHeaders();
    theirs.append(correlationHeader, " abc ");
    theirs.append(budgetHeader, "180");
    theirs.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    assert.equal(ours.toString(), theirs.toString());
    assert.equal(ours.get(correlationHeader), "abc");
  });

  await t.step("a correlation id with a line break is refused", () => {
    for (const bad of ["a\r\nnats-service-error-code: 500", "a\nb", "a\rb"]) {
      assert.throws(() => requestHeaders(bad, 100), errors.InvalidArgumentError);
    }
  });
});
