/**
 * What a call puts on the wire: its body, and its correlation id and the callee's budget as
 * headers (encoded into one buffer, or apart when not ASCII), read back by nats-core as any client
 * would; a correlation id that a header cannot hold is refused before anything is sent.
 */
import assert from "node:assert/strict";
import { errors, headers as natsHeaders, type Msg } from "@nats-io/nats-core";
import * as z from "zod";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { defineRpcService } from "../contracts/mod.ts";
import { connectNats, rpcClient } from "./mod.ts";
import {
  budgetHeader,
  calleeBudgetMs,
  correlationHeader,
  encodedRequest,
  requestHeaders,
} from "./headers.ts";

Deno.test("request headers: the correlation id and budget as nats-core reads them", async (t) => {
  await t.step("on the wire, read by a plain subscriber", async () => {
    const server = await startNatsServer({ authorization: false });
    const nc = await connectNats(server.url, "test");
    const api = defineRpcService("headerecho", {
      look: { request: z.object({ text: z.string() }), reply: z.object({}), idempotent: false },
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
      assert.deepEqual(await client.look({ text: "a" }, { correlationId: "order-42_x=" }), {});
      await client.look({ text: "naïve €" });
      // Not ASCII: the headers and the body are encoded apart.
      await client.look({ text: "b" }, { correlationId: "çà" });
      // Byte for byte: JSON would forgive a stray line break at the body's start.
      assert.deepEqual(seen.map((msg) => msg.string()), [
        '{"text":"a"}',
        '{"text":"naïve €"}',
        '{"text":"b"}',
      ]);
      const [given, fresh, unicode] = seen.map((msg) => msg.headers!);
      assert.equal(given.get(correlationHeader), "order-42_x=");
      assert.match(fresh.get(correlationHeader), /^[0-9a-f-]{36}$/);
      assert.equal(unicode.get(correlationHeader), "çà");
      for (const h of [given, fresh, unicode]) {
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

  await t.step("headers and body in one buffer: the bytes nats-core would send", () => {
    const encoder = new TextEncoder();
    for (const [id, body] of [["abc", '{"n":1}'], ["çà", '{"n":1}'], ["abc", '{"t":"€"}']]) {
      const h = requestHeaders(id, 180);
      const expected = encoder.encode(h.toString());
      const sent = encodedRequest(h, body);
      const encode = (sent.headers as unknown as { encode(): Uint8Array }).encode;
      assert.deepEqual(encode.call(sent.headers), expected);
      assert.deepEqual(sent.data, encoder.encode(body));
    }
  });

  await t.step("a correlation id with a line break is refused", () => {
    for (const bad of ["a\r\nnats-service-error-code: 500", "a\nb", "a\rb"]) {
      assert.throws(() => requestHeaders(bad, 100), errors.InvalidArgumentError);
    }
  });
});
