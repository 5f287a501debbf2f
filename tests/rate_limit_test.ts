/**
 * Per-user rate limits on a real stack: 429 problem+json with Retry-After past the burst, other
 * users unaffected, probes never limited.
 */
import assert from "node:assert/strict";
import { signUp } from "./harness/clients.ts";
import { startStack } from "./harness/stack.ts";

Deno.test("rate limits: 429 with Retry-After past the burst; other users unaffected", async () => {
  const stack = await startStack({
    services: ["users", "catalog"],
    env: { RATE_LIMIT_BURST: "5", RATE_LIMIT_PER_SECOND: "0.5" },
  });
  try {
    const [alice, bob] = [await signUp(stack), await signUp(stack)];
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const res = await stack.request("/products", { headers: alice.headers });
      statuses.push(res.status);
      await res.body?.cancel();
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    const refused = await stack.request("/products", { headers: alice.headers });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), "2");
    assert.equal(refused.headers.get("content-type"), "application/problem+json");
    await refused.body?.cancel();
    const other = await stack.request("/products", { headers: bob.headers });
    assert.equal(other.status, 200);
    await other.body?.cancel();
    const probe = await stack.request("/ready", { headers: alice.headers });
    assert.notEqual(probe.status, 429, "probes are never limited");
    await probe.body?.cancel();
  } finally {
    await stack.close();
  }
});
