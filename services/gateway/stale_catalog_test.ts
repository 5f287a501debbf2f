/**
 * The stale catalog fallback: with catalog stalled the stale copy comes within the request's
 * budget; without one catalog gets the whole budget; with the breaker open a product the copy
 * lacks is 503, never 404.
 */
import assert from "node:assert/strict";
import type { CallOptions } from "../../shared/bus/mod.ts";
import type { Product } from "../../shared/contracts/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";
import { assertProblem, fakeClient, gateway } from "./fake_downstream.ts";

Deno.test("gateway stale catalog fallback", async (t) => {
  const budgetMs = 1000;
  const lamp: Product = {
    id: crypto.randomUUID(),
    sku: "LAMP-1",
    name: "Lamp",
    priceCents: 1999,
    available: 3,
  };
  /** The deadline each call to catalog was given. */
  const given: number[] = [];
  let catalogUp = true;
  /** A catalog that is up, or stalled: it answers nothing and the call ends at its deadline. */
  const whenUp = <T>(answer: () => T) => async (_request: unknown, options?: CallOptions) => {
    given.push(options?.deadline ?? Infinity);
    if (catalogUp) return answer();
    await new Promise((resolve) => setTimeout(resolve, (options?.deadline ?? 0) - Date.now()));
    throw new ServiceError("deadline", "catalog did not answer in time", undefined, "catalog");
  };
  const stalled = await gateway({
    requestBudgetMs: budgetMs,
    catalog: fakeClient({
      listProducts: whenUp(() => ({ items: [lamp] })),
      getProduct: whenUp(() => lamp),
    }),
  });

  await t.step("with catalog stalled, the stale copy comes within the budget", async () => {
    catalogUp = true;
    assert.equal((await stalled.request("/products")).status, 200);
    catalogUp = false;
    for (const path of ["/products", `/products/${lamp.id}`]) {
      given.length = 0;
      const asked = Date.now();
      const res = await stalled.request(path);
      const answered = Date.now();
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get("x-stale"), "true");
      await res.body?.cancel();
      // Catalog is given the budget less a reserve, and the answer comes before the deadline.
      assert.equal(given.length, 1);
      assert.ok(given[0] < asked + budgetMs, `catalog was given until ${given[0] - asked} ms`);
      assert.ok(answered < asked + budgetMs, `answered after ${answered - asked} ms`);
    }
  });

  await t.step(
    "with no stale copy to fall back on, catalog is given the whole budget",
    async () => {
      catalogUp = false;
      given.length = 0;
      const asked = Date.now();
      const res = await stalled.request(`/products/${crypto.randomUUID()}`);
      await assertProblem(res, 504, "deadline");
      assert.ok(given[0] >= asked + budgetMs, `catalog was given until ${given[0] - asked} ms`);
    },
  );

  await t.step("breaker open: a product the stale copy lacks is 503, never a 404", async () => {
    const open = new ServiceError(
      "unavailable",
      "catalog is failing; circuit open",
      { retryAfterMs: 2500 },
      "catalog",
    );
    const down = await gateway({
      catalog: fakeClient({
        listProducts: () => catalogUp ? { items: [lamp] } : Promise.reject(open),
        getProduct: () => catalogUp ? lamp : Promise.reject(open),
      }),
    });
    catalogUp = true;
    assert.equal((await down.request("/products")).status, 200);
    catalogUp = false;
    const known = await down.request(`/products/${lamp.id}`);
    assert.equal(known.status, 200);
    assert.equal(known.headers.get("x-stale"), "true");
    await known.body?.cancel();
    const added = await down.request(`/products/${crypto.randomUUID()}`);
    const problem = await assertProblem(added, 503, "unavailable");
    assert.equal(problem.origin, "catalog");
    assert.equal(added.headers.get("retry-after"), "3");
  });
});
