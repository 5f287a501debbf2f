/**
 * Abuse and outages stay with what they hit (issue 17: classes 8, 9, 10): a password-guessing
 * address is limited alone, a flood is refused or answered but never times out, a stalled catalog
 * is named without opening the gateway's breaker for orders, and NATS stopped is 503 at once.
 */
import assert from "node:assert/strict";
import { catalogApi } from "../shared/contracts/mod.ts";
import { ServiceError } from "../shared/errors/mod.ts";
import { signUp } from "./harness/clients.ts";
import { standIn, unused } from "./harness/stand_in.ts";
import { json, startStack } from "./harness/stack.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
        // The burst of 5 reaches users (each a 401, or a 503 when users sheds load on a busy
        // machine, with Retry-After); every attempt past it is refused at the gateway.
        assert.ok(statuses.every((s) => s === 401 || s === 429 || s === 503), `${statuses}`);
        assert.ok(statuses.filter((s) => s !== 429).length <= 5, `${statuses}`);
        assert.ok(statuses.filter((s) => s === 429).length >= 25, `${statuses}`);
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
