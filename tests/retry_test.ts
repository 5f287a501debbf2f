/**
 * Only idempotent calls are retried: counted at a stand-in service that is unavailable, login
 * (idempotent) is tried the configured times, register once; an order placed with an
 * Idempotency-Key the configured times, without one once.
 */
import assert from "node:assert/strict";
import { ordersApi, usersApi } from "../shared/contracts/mod.ts";
import { ServiceError } from "../shared/errors/mod.ts";
import { signUp } from "./harness/clients.ts";
import { standIn, unused } from "./harness/stand_in.ts";
import { json, startStack } from "./harness/stack.ts";

Deno.test("only idempotent calls are retried (counted at the service)", async () => {
  const stack = await startStack({ services: [], env: { RETRY_ATTEMPTS: "3" } });
  const calls = { register: 0, login: 0 };
  const flaky = await standIn(stack, usersApi, {
    register: () => {
      calls.register++;
      return Promise.reject(new ServiceError("unavailable", "database away"));
    },
    login: () => {
      calls.login++;
      return Promise.reject(new ServiceError("unavailable", "database away"));
    },
    getProfile: unused,
    publicKeys: unused,
  });
  try {
    const register = await stack.request(
      "/auth/register",
      json("POST", { email: "a@example.com", password: "long enough", name: "A" }),
    );
    assert.equal(register.status, 503);
    await register.body?.cancel();
    const login = await stack.request(
      "/auth/login",
      json("POST", { email: "a@example.com", password: "long enough" }),
    );
    assert.equal(login.status, 503);
    await login.body?.cancel();
    assert.deepEqual(calls, { register: 1, login: 3 });
  } finally {
    await flaky.stop();
    await stack.close();
  }
});

Deno.test("an order with an Idempotency-Key is retried, one without is not", async () => {
  // Users for its public keys: the gateway checks the token before it calls orders.
  const stack = await startStack({ services: ["users"], env: { RETRY_ATTEMPTS: "3" } });
  let placed = 0;
  const flaky = await standIn(stack, ordersApi, {
    placeOrder: () => {
      placed++;
      return Promise.reject(new ServiceError("unavailable", "database away"));
    },
    getOrder: unused,
    listOrders: unused,
    getTimeline: unused,
  });
  try {
    const { headers } = await signUp(stack);
    const items = [{ productId: crypto.randomUUID(), quantity: 1 }];
    const once = await stack.request("/orders", json("POST", { items }, headers));
    assert.equal(once.status, 503);
    await once.body?.cancel();
    assert.equal(placed, 1);
    const keyed = { ...headers, "idempotency-key": "order-1" };
    const thrice = await stack.request("/orders", json("POST", { items }, keyed));
    assert.equal(thrice.status, 503);
    await thrice.body?.cancel();
    assert.equal(placed, 4);
  } finally {
    await flaky.stop();
    await stack.close();
  }
});
