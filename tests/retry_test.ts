/**
 * Only idempotent calls are retried: counted at a stand-in service that is unavailable, login
 * (idempotent) is tried the configured times, register once.
 */
import assert from "node:assert/strict";
import { usersApi } from "../shared/contracts/mod.ts";
import { ServiceError } from "../shared/errors/mod.ts";
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
