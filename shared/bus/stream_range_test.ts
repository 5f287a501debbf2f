import assert from "node:assert/strict";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { ServiceError } from "../errors/mod.ts";
import { connectNats } from "./connect.ts";
import { openRange } from "./stream_range.ts";
import { ensureStream } from "./streams.ts";

Deno.test("a range's subject must be within its stream's", async (t) => {
  const server = await startNatsServer({ authorization: false });
  const nc = await connectNats(server.url, "stream-range-test");
  const kindOf = (kind: string) => (error: unknown) =>
    error instanceof ServiceError && error.kind === kind;
  try {
    await ensureStream(nc, { name: "ORDERS", subjects: ["orders.>"] });
    nc.publish("orders.order.placed", "{}");
    await nc.flush();

    await t.step("a subject of the stream reads", async () => {
      const { end } = await openRange(nc, { stream: "ORDERS", subject: "orders.*.placed" });
      assert.equal(end, 1);
    });

    await t.step("another stream's subject is invalid, said before any consumer", async () => {
      await assert.rejects(
        openRange(nc, { stream: "ORDERS", subject: "payments.>" }),
        kindOf("invalid"),
      );
    });

    await t.step("no such stream is not_found; NATS gone is neither", async () => {
      await assert.rejects(openRange(nc, { stream: "NOPE" }), kindOf("not_found"));
      await server.stop();
      await assert.rejects(
        openRange(nc, { stream: "ORDERS" }),
        (error) => !kindOf("not_found")(error) && !kindOf("invalid")(error),
      );
    });
  } finally {
    await nc.close();
    await server.dispose();
  }
});
