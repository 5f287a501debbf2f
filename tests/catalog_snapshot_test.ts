/**
 * Catalog down: products are answered from the last snapshot the gateway kept, marked stale
 * (X-Stale, Age); a product never seen is 503; with catalog back, answers are fresh again.
 */
import assert from "node:assert/strict";
import { startStack } from "./harness/stack.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("catalog down: products answer from the last snapshot, marked stale", async () => {
  const stack = await startStack({ services: ["catalog"], env: { BREAKER_COOL_DOWN_MS: "200" } });
  try {
    const fresh = await stack.request("/products");
    const { items } = await fresh.json();
    assert.equal(fresh.headers.get("x-stale"), null);
    await (await stack.request(`/products/${items[0].id}`)).body?.cancel();

    await stack.stop("catalog");
    const stale = await stack.request("/products");
    assert.equal(stale.status, 200);
    assert.equal(stale.headers.get("x-stale"), "true");
    assert.ok(Number(stale.headers.get("age")) >= 0);
    assert.deepEqual((await stale.json()).items, items);
    const one = await stack.request(`/products/${items[0].id}`);
    assert.equal(one.status, 200);
    assert.equal(one.headers.get("x-stale"), "true");
    await one.body?.cancel();
    const fromList = await stack.request(`/products/${items[1].id}`);
    assert.equal(fromList.headers.get("x-stale"), "true", "the list's snapshot has each product");
    await fromList.body?.cancel();
    const unseen = await stack.request(`/products/${crypto.randomUUID()}`);
    assert.equal(unseen.status, 503, "no snapshot of a product never seen");
    await unseen.body?.cancel();

    await stack.start("catalog");
    await sleep(250);
    const back = await stack.request("/products");
    assert.equal(back.status, 200);
    assert.equal(back.headers.get("x-stale"), null);
    await back.body?.cancel();
  } finally {
    await stack.close();
  }
});
