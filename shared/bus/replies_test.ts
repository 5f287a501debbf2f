/**
 * Replies find their call by the token its reply subject ends with, in the form it was sent:
 * another spelling of the same number ("00", "0x0", "1e0") answers no call.
 */
import assert from "node:assert/strict";
import { headers } from "@nats-io/nats-core";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { connectNats } from "./mod.ts";
import { repliesOn } from "./replies.ts";

Deno.test("replies: a reply answers the call whose token it carries, spelled as sent", async () => {
  const server = await startNatsServer({ authorization: false });
  const nc = await connectNats(server.url, "test");
  const sub = nc.subscribe("rpc.tokens.echo", {
    callback: (_error, msg) => {
      const [prefix, token] = [msg.reply!.slice(0, msg.reply!.lastIndexOf(".") + 1), msg.string()];
      for (const other of ["00", "0x0", "0e0", "+0", "0.", "1e0"]) {
        if (other !== token) nc.publish(`${prefix}${other}`, `forged ${other}`);
      }
      nc.publish(msg.reply!, `answer ${token}`);
    },
  });
  try {
    const replies = repliesOn(nc);
    // The first call of this connection carries token "0", the next "1".
    for (const token of ["0", "1"]) {
      const reply = await replies.request("rpc.tokens.echo", token, headers(), 2000);
      assert.equal(reply.string(), `answer ${token}`);
    }
  } finally {
    sub.unsubscribe();
    await nc.close();
    await server.dispose();
  }
});
