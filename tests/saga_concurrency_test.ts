import assert from "node:assert/strict";
import { placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { assertSagaInvariants } from "./harness/invariants.ts";
import { startStack } from "./harness/stack.ts";

Deno.test("50 orders at once for a product with 10 in stock", async () => {
  const stack = await startStack();
  try {
    const lamp = await productBySku(stack, "LMP-012");
    assert.equal(lamp.available, 10);
    const users = await Promise.all(Array.from({ length: 50 }, () => signUp(stack)));
    const placed = await Promise.all(
      users.map((user) => placeOrder(stack, user, [{ productId: lamp.id, quantity: 1 }])),
    );
    assert.ok(placed.every((res) => res.status === 201));
    const ids = await Promise.all(placed.map(async (res) => (await res.json()).orderId));
    const ended = await Promise.all(
      ids.map((id, i) => settledOrder(stack, users[i], id, 60_000)),
    );

    const confirmed = ended.filter((order) => order.status === "confirmed");
    const cancelled = ended.filter((order) => order.status === "cancelled");
    assert.equal(confirmed.length, 10);
    assert.equal(cancelled.length, 40);
    assert.ok(
      cancelled.every((order) => order.reason === "out_of_stock"),
      JSON.stringify(cancelled.map((o) => o.reason)),
    );
    assert.equal((await productBySku(stack, "LMP-012")).available, 0);
    const statuses = await assertSagaInvariants(stack);
    assert.equal(statuses.get("confirmed"), 10);
  } finally {
    await stack.close();
  }
});
