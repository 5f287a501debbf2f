import assert from "node:assert/strict";
import { ServiceError } from "../errors/mod.ts";
import { backoffDelay, withRetry } from "./retry.ts";

const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 300 };
const noSleep = () => Promise.resolve();

Deno.test("backoff: full jitter under a capped exponential", () => {
  assert.equal(backoffDelay(1, policy, () => 0.999), 99);
  assert.equal(backoffDelay(2, policy, () => 0.999), 199);
  assert.equal(backoffDelay(3, policy, () => 0.999), 299);
  assert.equal(backoffDelay(9, policy, () => 0.999), 299);
  assert.equal(backoffDelay(3, policy, () => 0), 0);
});

Deno.test("retry: transient failures are tried again, up to the attempts", async () => {
  let calls = 0;
  const flaky = () =>
    ++calls < 3 ? Promise.reject(new ServiceError("unavailable", "x")) : Promise.resolve("ok");
  assert.equal(await withRetry(flaky, policy, Infinity, noSleep), "ok");
  assert.equal(calls, 3);
  calls = 0;
  const dead = () => (calls++, Promise.reject(new ServiceError("deadline", "x")));
  await assert.rejects(withRetry(dead, policy, Infinity, noSleep));
  assert.equal(calls, 4);
});

Deno.test("retry: an answered error is final, and no retry runs past the deadline", async () => {
  let calls = 0;
  const invalid = () => (calls++, Promise.reject(new ServiceError("invalid", "x")));
  await assert.rejects(withRetry(invalid, policy, Infinity, noSleep));
  assert.equal(calls, 1);
  calls = 0;
  const dead = () => (calls++, Promise.reject(new ServiceError("unavailable", "x")));
  await assert.rejects(
    // Any wait, even 0 ms, ends at or past a deadline of now: no second call.
    withRetry(dead, policy, Date.now(), noSleep),
  );
  assert.equal(calls, 1);
});

Deno.test("retry: an error that says when to come back is not tried again sooner", async () => {
  let calls = 0;
  const shed =
    () => (calls++, Promise.reject(new ServiceError("unavailable", "busy", { retryAfterMs: 500 })));
  await assert.rejects(withRetry(shed, policy, Infinity, noSleep));
  assert.equal(calls, 1);
});
