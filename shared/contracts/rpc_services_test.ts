/**
 * `isRpcService` finds every contract a module exports, so tests that walk them all need no list
 * of services kept beside the contracts.
 */
import assert from "node:assert/strict";
import * as z from "zod";
import * as contracts from "./mod.ts";
import { defineRpcService, isRpcService, operationsApi, ordersApi } from "./mod.ts";

Deno.test("contracts: isRpcService tells a contract from anything else", async (t) => {
  await t.step("every *Api the contracts export is found, and nothing else", () => {
    const apis = Object.entries(contracts)
      .filter(([name, value]) => name.endsWith("Api") && typeof value !== "function")
      .map(([name]) => name).sort();
    const found = Object.entries(contracts).filter(([, value]) => isRpcService(value))
      .map(([name]) => name).sort();
    assert.ok(apis.length >= 6, apis.join(", "));
    assert.deepEqual(found, apis);
  });

  await t.step("a contract made anywhere is one; look-alikes are not", () => {
    const tally = defineRpcService("tally", {
      signups: { request: z.object({}), reply: z.object({}), idempotent: true },
    });
    assert.ok(isRpcService(tally));
    // The operator's endpoints are on subjects of their own (ops.<service>.<action>).
    assert.equal(isRpcService(operationsApi("orders")), false);
    assert.ok(isRpcService(ordersApi));
    for (const value of [null, undefined, "orders", 1, {}, { name: "orders" }, [ordersApi]]) {
      assert.equal(isRpcService(value), false, JSON.stringify(value));
    }
    const misnamed = { ...ordersApi, name: "payments" };
    assert.equal(isRpcService(misnamed), false, "an endpoint whose subject is another service's");
    assert.equal(isRpcService({ name: "x", endpoints: { a: null } }), false);
  });
});
