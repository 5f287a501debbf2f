import assert from "node:assert/strict";
import { ServiceError } from "../errors/mod.ts";
import { CircuitBreaker } from "./breaker.ts";
import { isTransient } from "./retry.ts";

const down = () => Promise.reject(new ServiceError("unavailable", "down"));
const up = () => Promise.resolve("ok");

function breakerAt(clock: { now: number }) {
  return new CircuitBreaker("catalog", {
    failureThreshold: 3,
    coolDownMs: 1000,
    now: () => clock.now,
  });
}

Deno.test("breaker: opens after K failures in a row and then fails fast", async () => {
  const clock = { now: 0 };
  const breaker = breakerAt(clock);
  let calls = 0;
  const counted = () => (calls++, down());
  for (let i = 0; i < 3; i++) await assert.rejects(breaker.call(counted, isTransient));
  assert.equal(breaker.state, "open");
  const error = await breaker.call(counted, isTransient).catch((e) => e);
  assert.equal(calls, 3, "the open breaker did not call");
  assert.equal(error.kind, "unavailable");
  assert.equal(error.details.retryAfterMs, 1000);
});

Deno.test("breaker: a success in between resets the count", async () => {
  const breaker = breakerAt({ now: 0 });
  await assert.rejects(breaker.call(down, isTransient));
  await assert.rejects(breaker.call(down, isTransient));
  await breaker.call(up, isTransient);
  await assert.rejects(breaker.call(down, isTransient));
  assert.equal(breaker.state, "closed");
});

Deno.test("breaker: after the cool-down one trial closes it, or opens it again", async () => {
  const clock = { now: 0 };
  const breaker = breakerAt(clock);
  for (let i = 0; i < 3; i++) await assert.rejects(breaker.call(down, isTransient));
  clock.now = 1000;
  assert.equal(breaker.state, "half_open");
  await assert.rejects(breaker.call(down, isTransient));
  assert.equal(breaker.state, "open");
  clock.now = 2000;
  assert.equal(await breaker.call(up, isTransient), "ok");
  assert.equal(breaker.state, "closed");
});

Deno.test("breaker: only one trial at a time while half-open", async () => {
  const clock = { now: 0 };
  const breaker = breakerAt(clock);
  for (let i = 0; i < 3; i++) await assert.rejects(breaker.call(down, isTransient));
  clock.now = 1000;
  let release!: () => void;
  const trial = breaker.call(
    () => new Promise<string>((r) => release = () => r("ok")),
    isTransient,
  );
  const second = await breaker.call(up, isTransient).catch((e) => e);
  assert.equal(second.kind, "unavailable");
  release();
  assert.equal(await trial, "ok");
});

Deno.test("breaker: an answered error (not found, invalid) is not a failure of the service", async () => {
  const breaker = breakerAt({ now: 0 });
  const notFound = () => Promise.reject(new ServiceError("not_found", "no such thing"));
  for (let i = 0; i < 5; i++) await assert.rejects(breaker.call(notFound, isTransient));
  assert.equal(breaker.state, "closed");
});
