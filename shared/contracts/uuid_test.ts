/**
 * A uuid is written in lower case, whatever case it came in, in requests, replies and events,
 * and its JSON Schema is still a string of format uuid.
 */
import assert from "node:assert/strict";
import * as z from "zod";
import { orderPlaced, ordersApi, uuid } from "./mod.ts";

Deno.test("contracts: a uuid is written in lower case, whatever case it came in", async (t) => {
  const upper = "01A22ACB-E64B-777C-BFB4-35E9DCEC3BEA";
  await t.step("the field lower-cases and still refuses what is not a uuid", () => {
    assert.equal(uuid.parse(upper), upper.toLowerCase());
    for (const bad of ["", "01A22ACB", `${upper}0`, "01a22acb-e64b-777c-bfb4-35e9dcec3bez"]) {
      assert.equal(uuid.safeParse(bad).success, false, bad);
    }
  });
  await t.step("requests, replies and events carry it so", () => {
    const placed = ordersApi.endpoints.placeOrder.request.parse({
      userId: upper,
      items: [{ productId: upper, quantity: 1 }],
    });
    assert.equal(placed.userId, upper.toLowerCase());
    assert.equal(placed.items[0].productId, upper.toLowerCase());
    const event = orderPlaced.schema.shape.data.parse({
      orderId: upper,
      userId: upper,
      items: [{ productId: upper, quantity: 1, unitPriceCents: 1 }],
      totalCents: 1,
    });
    assert.equal(event.orderId, upper.toLowerCase());
  });
  await t.step("its JSON Schema (OpenAPI) is still a string of format uuid", () => {
    const schema = z.toJSONSchema(uuid) as { type: string; format: string };
    assert.equal(schema.type, "string");
    assert.equal(schema.format, "uuid");
  });
});
