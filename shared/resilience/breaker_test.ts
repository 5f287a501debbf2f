import assert from "node:assert/strict";
import { ServiceError } from "../errors/mod.ts";
import { CircuitBreaker, countsAgainst } from "./breaker.ts";
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

Deno.test("breaker: counts only the failures of the service it guards", async (t) => {
  const failing = (origin?: string, details?: unknown) => () =>
    Promise.reject(new ServiceError("deadline", "slow", details, origin));
  const isOrdersFailure = (error: unknown) => countsAgainst("orders", error);

  await t.step(
    "errors passed through from the service's dependencies are not counted",
    async () => {
      const breaker = breakerAt({ now: 0 });
      for (let i = 0; i < 5; i++) {
        await assert.rejects(breaker.call(failing("catalog"), isOrdersFailure));
      }
      assert.equal(breaker.state, "closed");
    },
  );

  await t.step("nor NATS being down: no service's fault", async () => {
    const breaker = breakerAt({ now: 0 });
    for (let i = 0; i < 5; i++) {
      await assert.rejects(breaker.call(failing("nats"), isOrdersFailure));
    }
    assert.equal(breaker.state, "closed");
  });

  await t.step(
    "nor a service shedding load: it answered at once, saying when to come back",
    async () => {
      const breaker = breakerAt({ now: 0 });
      const shed = () =>
        Promise.reject(new ServiceError("unavailable", "busy", { retryAfterMs: 200 }, "orders"));
      for (let i = 0; i < 5; i++) await assert.rejects(breaker.call(shed, isOrdersFailure));
      assert.equal(breaker.state, "closed");
    },
  );

  await t.step("its own failures, and errors with no origin, are counted", async () => {
    for (const origin of ["orders", undefined]) {
      const breaker = breakerAt({ now: 0 });
      for (let i = 0; i < 3; i++) {
        await assert.rejects(breaker.call(failing(origin), isOrdersFailure));
      }
      assert.equal(breaker.state, "open", `origin ${origin}`);
    }
  });

  await t.step("an open breaker's refusal names the service it guards", async () => {
    const breaker = breakerAt({ now: 0 });
    for (let i = 0; i < 3; i++) await assert.rejects(breaker.call(down, isTransient));
    const refused = await breaker.call(up, isTransient).catch((e) => e);
    assert.equal(refused.origin, "catalog");
  });
});
