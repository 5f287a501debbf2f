/**
 * No request through the gateway hangs or cascades: deadlines, circuit breakers, stale
 * fallbacks, retries only where safe, rate limits. Slow or failing instances are served with
 * the real contracts on the real nats-server, standing in for a service the test stopped.
 */
import assert from "node:assert/strict";
import type { NatsConnection } from "@nats-io/nats-core";
import { connectNats, serveRpc } from "../shared/bus/mod.ts";
import { catalogApi, usersApi } from "../shared/contracts/mod.ts";
import { ServiceError } from "../shared/errors/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { signUp } from "./harness/clients.ts";
import { json, type Stack, startStack } from "./harness/stack.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Serves a contract with test handlers, as a misbehaving instance would. */
async function standIn<E extends Parameters<typeof serveRpc>[1]>(
  stack: Stack,
  contract: E,
  handlers: Parameters<typeof serveRpc<E["endpoints"]>>[2],
  lines: string[] = [],
) {
  const nc: NatsConnection = await connectNats(stack.nats.url, `${contract.name}-stand-in`);
  const log = createLogger({ service: contract.name, level: "debug", write: (l) => lines.push(l) });
  const server = await serveRpc(nc, contract, handlers, { version: "0.0.0-test", log });
  return {
    stop: async () => {
      await server.stop();
      await nc.close();
    },
  };
}

const unused = () => Promise.reject(new ServiceError("internal", "not used in this test"));

Deno.test("a slow service costs the caller its deadline, and drops the late reply", async () => {
  const stack = await startStack({
    services: [],
    env: { REQUEST_BUDGET_MS: "500", RPC_TIMEOUT_MS: "400" },
  });
  const lines: string[] = [];
  const slow = await standIn(stack, catalogApi, {
    listProducts: async () => {
      await sleep(1500);
      return { items: [] };
    },
    getProduct: unused,
    quote: unused,
  }, lines);
  try {
    const started = performance.now();
    const res = await stack.request("/products");
    const ms = performance.now() - started;
    assert.equal(res.status, 504);
    assert.equal((await res.json()).kind, "deadline");
    assert.ok(ms < 500 + 100, `answered after ${ms} ms`);
    await sleep(1600);
    const dropped = lines.map((l) => JSON.parse(l)).filter((l) =>
      l.msg === "dropped a reply past its deadline"
    );
    assert.ok(dropped.length >= 1, "the slow service said it dropped the late reply");
  } finally {
    await slow.stop();
    await stack.close();
  }
});

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

Deno.test("abuse and outages stay with what they hit (issue 17: classes 8, 9, 10)", async (t) => {
  const stack = await startStack({
    services: ["users", "orders"],
    env: {
      PASSWORD_ITERATIONS: "600000", // the real cost: the flood below is what it costs
      AUTH_RATE_LIMIT_BURST: "5",
      AUTH_RATE_LIMIT_PER_SECOND: "0.01",
      RPC_TIMEOUT_MS: "1500",
      BREAKER_FAILURE_THRESHOLD: "3",
      BREAKER_COOL_DOWN_MS: "60000",
    },
  });
  const stalled = Promise.withResolvers<never>();
  const catalog = await standIn(stack, catalogApi, {
    listProducts: unused,
    getProduct: unused,
    quote: () => stalled.promise,
  });
  const from = (address: string) => ({
    request: (path: string, init?: RequestInit) => stack.request(path, init, address),
  });
  const victimAt = from("198.51.100.10");
  const victim = await signUp(victimAt);
  const { email } = await (await stack.request("/auth/me", { headers: victim.headers })).json();
  const login = (client: ReturnType<typeof from>, password: string) =>
    client.request("/auth/login", json("POST", { email, password }));
  const statusesOf = (responses: Promise<Response>[]) =>
    Promise.all(responses.map(async (res) => {
      const answer = await res;
      if (answer.status === 503) assert.ok(Number(answer.headers.get("retry-after")) >= 1);
      await answer.body?.cancel();
      return answer.status;
    }));
  const breakers = async () => (await (await stack.request("/ready")).json()).breakers;
  try {
    await t.step(
      "wrong passwords from one address: that address is limited, no one else",
      async () => {
        const attacker = from("203.0.113.66");
        const statuses = await statusesOf(
          Array.from({ length: 30 }, () => login(attacker, "wrong password")),
        );
        assert.ok(statuses.every((s) => s === 401 || s === 429), `${statuses}`);
        assert.ok(statuses.filter((s) => s === 401).length <= 5, `${statuses}`);
        const res = await login(victimAt, "a long enough password");
        assert.equal(res.status, 200, await res.clone().text());
        await res.body?.cancel();
      },
    );

    await t.step(
      "a flood from many addresses: refused at once or answered, never a timeout",
      async () => {
        const flood = statusesOf(
          Array.from({ length: 40 }, (_, i) => login(from(`192.0.2.${i + 1}`), "wrong password")),
        );
        // The victim's reads are not password checks: answered during the flood.
        const me = await stack.request("/auth/me", { headers: victim.headers });
        assert.equal(me.status, 200);
        await me.body?.cancel();
        const statuses = await flood;
        assert.ok(statuses.every((s) => s === 401 || s === 503), `${statuses}`);
        assert.ok(statuses.includes(401), "some were checked");
        assert.equal((await breakers()).users, "closed");
        const res = await login(victimAt, "a long enough password");
        assert.equal(res.status, 200, await res.clone().text());
        await res.body?.cancel();
      },
    );

    await t.step(
      "a stalled catalog: POST /orders names catalog, GET /orders stays 200",
      async () => {
        const place = () =>
          stack.request(
            "/orders",
            json(
              "POST",
              { items: [{ productId: crypto.randomUUID(), quantity: 1 }] },
              victim.headers,
            ),
          );
        const started = performance.now();
        const first = await place();
        const ms = performance.now() - started;
        assert.equal(first.status, 504);
        const problem = await first.json();
        assert.equal(problem.kind, "deadline");
        assert.equal(problem.detail, "catalog did not answer in time");
        assert.equal(problem.origin, "catalog");
        assert.ok(ms < 1500, `answered after ${ms} ms: before the gateway's own 1500 ms wait`);
        // Orders' breaker for catalog opens after 5; the gateway's for orders never does.
        const statuses = [];
        for (let i = 0; i < 7; i++) {
          const res = await place();
          statuses.push(res.status);
          assert.equal((await res.json()).origin, "catalog");
        }
        assert.ok(statuses.every((s) => s === 503 || s === 504), `${statuses}`);
        const orders = await stack.request("/orders", { headers: victim.headers });
        assert.equal(orders.status, 200, await orders.clone().text());
        await orders.body?.cancel();
        assert.equal((await breakers()).orders, "closed");
      },
    );

    await t.step("NATS stopped: 503 with Retry-After at once, not a timeout", async () => {
      await stack.nats.stop();
      await sleep(200); // the gateway's connection sees the socket close
      const started = performance.now();
      const res = await stack.request("/orders", { headers: victim.headers });
      const ms = performance.now() - started;
      assert.equal(res.status, 503);
      assert.ok(Number(res.headers.get("retry-after")) >= 1);
      const problem = await res.json();
      assert.equal(problem.kind, "unavailable");
      assert.equal(problem.origin, "nats");
      assert.ok(ms < 1000, `answered after ${ms} ms, not at the 1500 ms timeout`);
      await stack.nats.start();
    });
  } finally {
    stalled.reject(new ServiceError("unavailable", "test over"));
    await catalog.stop();
    await stack.close();
  }
});
