/**
 * A request's correlation id and budget read from the raw header block agree with nats-core's
 * own decoding for every shape of header block, and are read that way (nats-core's message and
 * the services framework's keep the fields this relies on: an upgrade that moves them fails here).
 */
import assert from "node:assert/strict";
import { headers, type Msg, type MsgHdrs } from "@nats-io/nats-core";
import { Svcm } from "@nats-io/services";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { budgetHeader, correlationHeader } from "./headers.ts";
import { connectNats } from "./mod.ts";
import { requestHeaderValues } from "./request_header_values.ts";

const blocks: [string, [string, string][] | undefined][] = [
  ["both", [[correlationHeader, "abc"], [budgetHeader, "4750"]]],
  ["none", undefined],
  ["others only", [["traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]]],
  ["twice: the first", [[correlationHeader, "first"], [correlationHeader, "second"]]],
  ["padded", [[correlationHeader, "  spaced out  "], [budgetHeader, " 12 "]]],
  ["other case", [["Correlation-Id", "upper"], ["x-correlation-id", "prefixed"]]],
  ["empty value", [[correlationHeader, ""], [budgetHeader, "7"]]],
  ["after others", [["a", "b: c"], [budgetHeader, "9"], [correlationHeader, "ünï"]]],
];

function natsCoreReads(h: MsgHdrs | undefined) {
  return { correlationId: h?.get(correlationHeader) ?? "", budget: h?.get(budgetHeader) ?? "" };
}

function headersOf(lines: [string, string][] | undefined): MsgHdrs | undefined {
  if (!lines) return undefined;
  const h = headers();
  for (const [name, value] of lines) h.append(name, value);
  return h;
}

Deno.test("request header values: as nats-core reads them, from the raw block", async (t) => {
  const server = await startNatsServer({ authorization: false });
  const nc = await connectNats(server.url, "test");
  try {
    await t.step("a plain subscription's messages", async () => {
      const received: Msg[] = [];
      const sub = nc.subscribe("hv.plain", { max: blocks.length });
      const done = (async () => {
        for await (const msg of sub) received.push(msg);
      })();
      for (const [, lines] of blocks) nc.publish("hv.plain", "{}", { headers: headersOf(lines) });
      await done;
      for (const [i, msg] of received.entries()) {
        const raw = msg as unknown as { _rdata: unknown; _msg: { hdr: unknown } };
        assert.ok(raw._rdata instanceof Uint8Array && typeof raw._msg.hdr === "number");
        const ours = requestHeaderValues(msg);
        // Read without nats-core decoding the headers, which it keeps once decoded.
        assert.equal((msg as unknown as { _headers?: unknown })._headers, undefined);
        assert.deepEqual(ours, natsCoreReads(msg.headers), blocks[i][0]);
      }
    });

    await t.step("a services-framework message", async () => {
      const seen: { ours: unknown; theirs: unknown }[] = [];
      const service = await new Svcm(nc).add({ name: "hv", version: "0.0.1" });
      service.addEndpoint("look", {
        subject: "hv.look",
        handler: (_error, msg) => {
          const ours = requestHeaderValues(msg);
          const inner = (msg as unknown as { msg: { _headers?: unknown } }).msg;
          assert.equal(inner._headers, undefined, "read without decoding");
          seen.push({ ours, theirs: natsCoreReads(msg.headers) });
          msg.respond("{}");
        },
      });
      for (const [, lines] of blocks) {
        await nc.request("hv.look", "{}", { headers: headersOf(lines), timeout: 2000 });
      }
      await service.stop();
      for (const [i, { ours, theirs }] of seen.entries()) {
        assert.deepEqual(ours, theirs, blocks[i][0]);
      }
      assert.deepEqual(seen[0].ours, { correlationId: "abc", budget: "4750" });
    });

    await t.step("a message of another kind: through its headers", () => {
      const h = headersOf(blocks[0][1]);
      assert.deepEqual(requestHeaderValues({ headers: h }), {
        correlationId: "abc",
        budget: "4750",
      });
      assert.deepEqual(requestHeaderValues({}), { correlationId: "", budget: "" });
    });
  } finally {
    await nc.close();
    await server.dispose();
  }
});
