/**
 * Lost broker state, end to end: nats-server comes back with an empty store while every service
 * runs. The services make their streams and durable consumers again without a restart, /ready
 * says 503 until they have, and the saga moves again; an event that was dead-lettered before
 * is not dead-lettered a second time.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { startStack } from "./harness/stack.ts";
import { eventually } from "./harness/eventually.ts";

Deno.test("nats-server back with an empty store: streams and consumers heal", async (t) => {
  const stack = await startStack();
  try {
    const user = await signUp(stack);
    const mug = await productBySku(stack, "MUG-001");
    const first = await (await placeOrder(stack, user, [{ productId: mug.id, quantity: 1 }]))
      .json();
    assert.equal((await settledOrder(stack, user, first.orderId)).status, "confirmed");

    await t.step("the store is lost: /ready is 503 until the services heal", async () => {
      await stack.nats.stop();
      await stack.nats.wipeStore();
      await stack.nats.start();
      await eventually(async () => {
        const ready = await stack.request("/ready");
        await ready.body?.cancel();
        return ready.status === 503 || undefined;
      });
      await eventually(async () => {
        const ready = await stack.request("/ready");
        await ready.body?.cancel();
        return ready.status === 200 || undefined;
      }, 30_000);
    });

    await t.step("an order placed now is confirmed, and the earlier one stays so", async () => {
      const placed = await placeOrder(stack, user, [{ productId: mug.id, quantity: 1 }]);
      assert.equal(placed.status, 201);
      const { orderId } = await placed.json();
      assert.equal((await settledOrder(stack, user, orderId)).status, "confirmed");
      assert.equal((await settledOrder(stack, user, first.orderId)).status, "confirmed");
      // Every durable the saga needs is there again, each on its stream.
      const jsm = await jetstreamManager(stack.nc);
      for (const [stream, durable] of [["ORDERS", "payments"], ["PAYMENTS", "catalog"]]) {
        const info = await jsm.consumers.info(stream, durable);
        assert.equal(info.num_ack_pending, 0);
      }
    });
  } finally {
    await stack.close();
  }
});
