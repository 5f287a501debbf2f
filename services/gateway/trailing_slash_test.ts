/**
 * A path with a trailing slash is 404, as the router matches it, never a 405 whose Allow names
 * the very method asked.
 */
import assert from "node:assert/strict";
import { app, assertProblem, token } from "./fake_downstream.ts";

Deno.test("gateway trailing slash: 404 as the router says, never a 405 naming the method asked", async (t) => {
  const headers = { authorization: `Bearer ${await token("user")}` };
  for (
    const [method, path] of [
      ["GET", "/products/"],
      ["GET", "/orders/"],
      ["GET", "/wallet/"],
      ["GET", "/history/"],
      ["POST", "/auth/login/"],
    ] as const
  ) {
    await t.step(`${method} ${path} is 404 not_found`, async () => {
      const res = await app.request(path, { method, headers });
      assert.equal(res.headers.get("allow"), null);
      await assertProblem(res, 404, "not_found");
    });
  }
});
