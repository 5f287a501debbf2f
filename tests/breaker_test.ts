/**
 * The gateway's circuit breaker for a stopped service: it opens after K failures, fails fast
 * with Retry-After while open (shown in /ready and /metrics), and closes after one trial call.
 */
import assert from "node:assert/strict";
import { json, startStack } from "./harness/stack.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("the breaker opens after K failures, fails fast, and closes after one trial", async () => {
  const stack = await startStack({
    services: ["catalog"],
    env: { BREAKER_FAILURE_THRESHOLD: "3", BREAKER_COOL_DOWN_MS: "400", RETRY_ATTEMPTS: "1" },
  });
  const login = () =>
    stack.request("/auth/login", json("POST", { email: "a@example.com", password: "whatever1" }));
  try {
    for (let i = 0; i < 3; i++) {
      const res = await login();
      assert.equal(res.status, 503);
      assert.match((await res.json()).detail, /not running/);
    }
    const timings: number[] = [];
    for (let i = 0; i < 11; i++) {
      const started = performance.now();
      const res = await login();
      timings.push(performance.now() - started);
      assert.equal(res.status, 503);
      assert.ok(Number(res.headers.get("retry-after")) >= 1);
      assert.match((await res.json()).detail, /circuit open/);
    }
    const median = timings.sort((a, b) => a - b)[5];
    assert.ok(median < 5, `open-breaker calls took ${median} ms (median)`);

    const ready = await (await stack.request("/ready")).json();
    assert.equal(ready.breakers.users, "open");
    const metrics = await (await stack.request("/metrics")).text();
    assert.match(metrics, /circuit_breaker_state\{service="gateway",downstream="users"\} 2/);

    await stack.start("users");
    await sleep(450);
    const trial = await login();
    assert.equal(trial.status, 401, "the trial call reached users (wrong password)");
    await trial.body?.cancel();
    assert.equal((await (await stack.request("/ready")).json()).breakers.users, "closed");
  } finally {
    await stack.close();
  }
});
