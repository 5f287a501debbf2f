/**
 * Replies and error replies that would exceed the server's max_payload are refused by the RPC
 * server that made them, with an error saying so, rather than left to throw in `respond` (a
 * bare 500, or no answer and a caller's timeout). A real nats-server with a small max_payload.
 */
import assert from "node:assert/strict";
import { headers, type NatsConnection } from "@nats-io/nats-core";
import * as z from "zod";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { defineRpcService } from "../contracts/mod.ts";
import { ServiceError } from "../errors/mod.ts";
import { createLogger } from "../log/mod.ts";
import { connectNats, rpcClient, serveRpc } from "./mod.ts";
import { defaultMaxPayload, maxPayloadOf, oversize } from "./payload.ts";

const maxPayload = 4096;

const bigApi = defineRpcService("big", {
  list: {
    request: z.object({ rows: z.number().int() }),
    reply: z.object({ items: z.array(z.string()) }),
    idempotent: true,
  },
  refuse: {
    request: z.object({ bytes: z.number().int(), text: z.string().optional() }),
    reply: z.object({}),
    idempotent: true,
  },
});

Deno.test("payload: measured as nats-core sends it", async (t) => {
  await t.step("data in UTF-8 plus headers as written on the wire", () => {
    assert.equal(oversize(10, "0123456789"), undefined);
    assert.equal(oversize(10, "0123456789a"), 11);
    assert.equal(oversize(10, "ééééé"), undefined, "5 characters, 10 bytes");
    assert.equal(oversize(10, "éééééé"), 12);
    const h = headers();
    h.set("Nats-Msg-Id", "abc");
    h.set("traceparent", "00-x-y-01");
    const wire = (h as unknown as { encode(): Uint8Array }).encode().length;
    const exact = wire + 3;
    const record = { "Nats-Msg-Id": "abc", traceparent: "00-x-y-01" };
    assert.equal(oversize(exact, "xyz", record), undefined);
    assert.equal(oversize(exact - 1, "xyz", record), exact);
  });

  await t.step("max_payload is the server's, 1 MiB before it says", () => {
    assert.equal(maxPayloadOf({ info: undefined }), defaultMaxPayload);
    assert.equal(defaultMaxPayload, 1024 * 1024);
  });
});

Deno.test("rpc server: a reply over max_payload is refused where it is made", async (t) => {
  const server = await startNatsServer({ maxPayload, authorization: false });
  const lines: string[] = [];
  const log = createLogger({ service: "big", level: "debug", write: (l) => lines.push(l) });
  const errorLines = () =>
    lines.map((l) => JSON.parse(l)).filter((l) => l.level === "error").map((l) => l.msg);
  const connections: NatsConnection[] = [];
  const connection = async () => {
    const nc = await connectNats(server.url, "test");
    connections.push(nc);
    return nc;
  };
  const serverNc = await connection();
  const rpc = await serveRpc(serverNc, bigApi, {
    list: ({ rows }) =>
      Promise.resolve({ items: Array.from({ length: rows }, () => "x".repeat(100)) }),
    refuse: ({ bytes, text }) => {
      throw new ServiceError("conflict", text ?? "taken", { filler: "y".repeat(bytes) });
    },
  }, { version: "1.0.0", log });
  const big = rpcClient(await connection(), bigApi, { timeoutMs: 2000 });
  try {
    await t.step("the server's max_payload is the one read", () => {
      assert.equal(maxPayloadOf(serverNc), maxPayload);
    });

    await t.step("a reply that fits is answered", async () => {
      assert.equal((await big.list({ rows: 30 })).items.length, 30);
      assert.deepEqual(errorLines(), []);
    });

    await t.step("a reply over it: internal, saying so, logged as an error", async () => {
      const error = await big.list({ rows: 50 }).catch((e) => e);
      assert.ok(error instanceof ServiceError, String(error));
      assert.equal(error.kind, "internal");
      assert.match(
        error.message,
        /the reply of rpc\.big\.list is \d+ bytes, over .*max_payload of 4096/,
      );
      assert.deepEqual(errorLines(), ["refused a message over max_payload"]);
    });

    await t.step("an error reply over it: internal, saying so", async () => {
      lines.length = 0;
      const fits = await big.refuse({ bytes: 100 }).catch((e) => e);
      assert.equal(fits.kind, "conflict");
      const error = await big.refuse({ bytes: 5000 }).catch((e) => e);
      assert.ok(error instanceof ServiceError, String(error));
      assert.equal(error.kind, "internal");
      assert.match(error.message, /an error reply \(conflict\) is \d+ bytes, over .*max_payload/);
      assert.deepEqual(errorLines(), ["refused a message over max_payload"]);
    });

    await t.step(
      "an error message with a line break is answered, not left to time out",
      async () => {
        const error = await big.refuse({ bytes: 0, text: "one\r\ntwo" }).catch((e) => e);
        assert.ok(error instanceof ServiceError, String(error));
        assert.equal(error.kind, "conflict");
      },
    );
  } finally {
    await rpc.stop();
    for (const nc of connections) await nc.close();
    await server.dispose();
  }
});
