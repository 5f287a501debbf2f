/**
 * Malformed requests over every route of the gateway, generated from its OpenAPI document, sent
 * to a real stack (nats-server and every service) as a registered user and as an admin, so the
 * authenticated routes are reached. Each answer must be under 500, within 5 s, and every error
 * problem+json with a `kind`; afterwards the stack is still ready and a valid order still goes
 * through, and with NATS gone an order is refused as 503 with Retry-After. A seeded PRNG picks
 * the values: `FUZZ_SEED=<n>` replays a run. The generators are in `fuzz/`.
 */
import assert from "node:assert/strict";
import { type Case, casesOf } from "./fuzz/cases.ts";
import { operationsOf } from "./fuzz/openapi.ts";
import { random, seed } from "./fuzz/random.ts";
import type { Known } from "./fuzz/values.ts";
import { signUp } from "./harness/clients.ts";
import { json, startStack } from "./harness/stack.ts";

const slowMs = 5_000;

Deno.test("gateway fuzz: malformed requests over every route", async (t) => {
  const stack = await startStack();
  try {
    const user = await signUp(stack, "Fuzz");
    const products = (await (await stack.request("/products")).json()).items;
    const productId = products[0].id;
    const placed = await stack.request(
      "/orders",
      json("POST", { items: [{ productId, quantity: 1 }] }, user.headers),
    );
    assert.equal(placed.status, 201, await placed.clone().text());
    const orderId = (await placed.json()).orderId;
    const adminToken = await stack.signToken({
      sub: user.userId,
      email: "admin@example.com",
      role: "admin",
    });
    const known: Known = {
      productId,
      orderId,
      userToken: user.headers.authorization.slice("Bearer ".length),
      adminToken,
      expiredToken: await stack.signToken({
        sub: user.userId,
        email: "a@example.com",
        role: "user",
        exp: 1,
      }),
    };

    const document = await (await stack.request("/openapi.json")).json();
    const operations = operationsOf(document);
    const cases: Case[] = [];
    for (const op of operations) cases.push(...await casesOf(op, known));
    // Shuffled, so that no route always meets the stack in the same state.
    for (let i = cases.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [cases[i], cases[j]] = [cases[j], cases[i]];
    }

    const failures: string[] = [];
    const statuses = new Set<number>();
    await t.step(`${cases.length} requests over ${operations.length} operations`, async () => {
      assert.ok(cases.length >= 200, `only ${cases.length} cases`);
      const covered = new Set(cases.map((c) => c.label.split(":")[0]));
      assert.equal(covered.size, operations.length, "every operation has cases");
      // A few at a time, as clients would send them.
      for (let i = 0; i < cases.length; i += 4) {
        await Promise.all(
          cases.slice(i, i + 4).map(async (c) => {
            const started = performance.now();
            const res = await stack.request(c.url, c.init);
            const text = await res.text();
            const ms = performance.now() - started;
            statuses.add(res.status);
            const problem = (reason: string) =>
              failures.push(
                `${c.label} -> ${res.status} in ${Math.round(ms)} ms: ${reason}: ${
                  text.slice(0, 200)
                }`,
              );
            if (res.status >= 500) problem("a 5xx");
            if (c.expect !== undefined && res.status !== c.expect) {
              problem(`expected ${c.expect}`);
            }
            if (ms > slowMs) problem("slower than 5 s");
            if (res.status >= 400) {
              if (res.headers.get("content-type") !== "application/problem+json") {
                problem("not problem+json");
              } else {
                const body = JSON.parse(text);
                if (typeof body.kind !== "string" || body.status !== res.status) problem("no kind");
              }
              if (res.status === 503 && !res.headers.get("retry-after")) {
                problem("503 without Retry-After");
              }
            }
          }),
        );
      }
      assert.deepEqual(failures, [], `seed ${seed}: replay with FUZZ_SEED=${seed}`);
      // The requests reached past authentication and validation, and met each refusal.
      for (const status of [200, 201, 400, 401, 403, 404, 413, 415]) {
        assert.ok(statuses.has(status), `no ${status} among ${[...statuses].sort()}`);
      }
    });

    await t.step("operator inputs against a stream with messages: 4xx, never 5xx", async () => {
      // The bad subject filters failed only once the stream held messages (a consumer was made).
      const admin = { authorization: `Bearer ${adminToken}` };
      const cases: [string, number, RequestInit?][] = [
        ["/admin/events?from=orders..placed", 400],
        ["/admin/events?from=orders.>.placed", 400],
        ["/admin/events?from=orders.order%20placed", 400],
        ["/admin/events?from=%3E", 400], // every stream's subjects: which one is meant?
        ["/admin/events?from=ORDERS&fromSeq=5&toSeq=2", 400],
        ["/admin/events?from=NOPE", 404],
        ["/admin/events?from=orders.*.placed", 200],
        [`/admin/events/${"X".repeat(5000)}/1`, 404],
        ["/admin/events/ORDERS/999999999", 404],
        ["/admin/replay", 404, json("POST", { service: "nosuch", from: "ORDERS" }, admin)],
        ["/admin/replay", 400, json("POST", { service: "payments", from: "orders..x" }, admin)],
        ["/admin/rebuild", 404, json("POST", { service: "nosuch" }, admin)],
      ];
      for (const [path, status, init] of cases) {
        const res = await stack.request(path, init ?? { headers: admin });
        assert.equal(res.status, status, `${path}: ${await res.clone().text()}`);
        await res.body?.cancel();
      }
    });

    await t.step("the stack is healthy after", async () => {
      const ready = await stack.request("/ready");
      assert.equal(ready.status, 200, await ready.text());
      const order = await stack.request(
        "/orders",
        json("POST", { items: [{ productId, quantity: 1 }] }, user.headers),
      );
      assert.equal(order.status, 201, await order.clone().text());
      const { orderId } = await order.json();
      const read = await stack.request(`/orders/${orderId}`, { headers: user.headers });
      assert.equal(read.status, 200, await read.text());
    });

    await t.step("NATS down: 503 with Retry-After, not a 504 or a 500", async () => {
      await stack.nats.stop();
      const res = await stack.request(
        "/orders",
        json("POST", { items: [{ productId, quantity: 1 }] }, user.headers),
      );
      assert.equal(res.status, 503, await res.clone().text());
      assert.match(res.headers.get("retry-after") ?? "", /^\d+$/);
      assert.equal((await res.json()).kind, "unavailable");
      // The routes that ask NATS themselves say so too, rather than a 500 or an empty list.
      const admin = { authorization: `Bearer ${adminToken}` };
      for (const path of ["/admin/events?from=ORDERS", "/admin/services", "/metrics/services"]) {
        const started = performance.now();
        const answer = await stack.request(path, { headers: admin });
        assert.equal(answer.status, 503, `${path}: ${await answer.clone().text()}`);
        assert.match(answer.headers.get("retry-after") ?? "", /^\d+$/);
        assert.equal((await answer.json()).kind, "unavailable");
        assert.ok(performance.now() - started < slowMs, `${path} took too long`);
      }
    });
  } finally {
    await stack.close();
  }
});
