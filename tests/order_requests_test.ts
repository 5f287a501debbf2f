/**
 * Order requests on a real stack: an Idempotency-Key makes one order (sent twice, or five times
 * at once), bad orders are 400 problem+json, another user's order is 404, and the list is newest
 * first.
 */
import assert from "node:assert/strict";
import { getJson, placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { startStack } from "./harness/stack.ts";
import { assertSagaInvariants } from "./harness/invariants.ts";

Deno.test("order requests: idempotency, validation, ownership", async (t) => {
  const stack = await startStack();
  try {
    await t.step("the same Idempotency-Key twice: one order; with other items: 422", async () => {
      const user = await signUp(stack);
      const pin = await productBySku(stack, "PIN-011");
      const items = [{ productId: pin.id, quantity: 1 }];
      const first = await placeOrder(stack, user, items, "key-1");
      const second = await placeOrder(stack, user, items, "key-1");
      assert.equal(first.status, 201);
      assert.equal(second.status, 201);
      const orderId = (await first.json()).orderId;
      assert.equal((await second.json()).orderId, orderId);
      const other = await placeOrder(stack, user, [{ productId: pin.id, quantity: 2 }], "key-1");
      assert.equal(other.status, 422);
      await other.body?.cancel();
      await settledOrder(stack, user, orderId);
      assert.equal((await getJson(stack, user, "/orders")).items.length, 1);
    });

    await t.step("the same Idempotency-Key sent five times at once: one order", async () => {
      const user = await signUp(stack);
      const pin = await productBySku(stack, "PIN-011");
      const items = [{ productId: pin.id, quantity: 1 }];
      // All five pass the endpoint's lookup; the key's row decides, and the others roll back.
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => placeOrder(stack, user, items, "key-at-once")),
      );
      assert.deepEqual(answers.map((res) => res.status), [201, 201, 201, 201, 201]);
      const orderIds = new Set(
        await Promise.all(answers.map(async (res) => (await res.json()).orderId)),
      );
      assert.equal(orderIds.size, 1);
      await settledOrder(stack, user, [...orderIds][0]);
      assert.equal((await getJson(stack, user, "/orders")).items.length, 1);
    });

    await t.step("bad orders are 400: unknown product, quantity below 1, no items", async () => {
      const user = await signUp(stack);
      const mug = await productBySku(stack, "MUG-001");
      for (
        const items of [
          [{ productId: crypto.randomUUID(), quantity: 1 }],
          [{ productId: mug.id, quantity: 0 }],
          [],
        ]
      ) {
        const res = await placeOrder(stack, user, items);
        assert.equal(res.status, 400, JSON.stringify(items));
        assert.equal(res.headers.get("content-type"), "application/problem+json");
        await res.body?.cancel();
      }
      assert.equal((await getJson(stack, user, "/orders")).items.length, 0);
    });

    await t.step("another user's order is 404, and orders list newest first", async () => {
      const owner = await signUp(stack);
      const stranger = await signUp(stack);
      const mug = await productBySku(stack, "MUG-001");
      const a = (await (await placeOrder(stack, owner, [{ productId: mug.id, quantity: 1 }]))
        .json()).orderId;
      const b = (await (await placeOrder(stack, owner, [{ productId: mug.id, quantity: 1 }]))
        .json()).orderId;
      const res = await stack.request(`/orders/${a}`, { headers: stranger.headers });
      assert.equal(res.status, 404);
      await res.body?.cancel();
      const list = await getJson(stack, owner, "/orders");
      assert.deepEqual(list.items.map((o: { id: string }) => o.id), [b, a]);
      await settledOrder(stack, owner, a);
      await settledOrder(stack, owner, b);
    });

    await t.step(
      "every invariant holds: ended, one charge, one refund, money conserved",
      async () => {
        await assertSagaInvariants(stack);
      },
    );
  } finally {
    await stack.close();
  }
});
