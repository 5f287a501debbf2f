import assert from "node:assert/strict";
import { seedProducts } from "../services/catalog/seed.ts";
import type { Product } from "../shared/contracts/mod.ts";
import { json, startStack } from "./harness/stack.ts";

Deno.test("products through the gateway", async (t) => {
  const stack = await startStack({ services: ["catalog"] });
  try {
    let items: Product[] = [];

    await t.step("GET /products lists the seeded catalog", async () => {
      const res = await stack.request("/products");
      assert.equal(res.status, 200);
      items = (await res.json()).items;
      assert.equal(items.length, seedProducts.length);
      const mug = items.find((p) => p.sku === "MUG-001")!;
      assert.deepEqual(
        { name: mug.name, priceCents: mug.priceCents, available: mug.available },
        { name: "Enamel camp mug", priceCents: 1200, available: 40 },
      );
    });

    await t.step("GET /products/:id answers that product", async () => {
      const res = await stack.request(`/products/${items[0].id}`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), items[0]);
    });

    await t.step("an unknown id is 404 problem+json, a malformed one too", async () => {
      for (const id of [crypto.randomUUID(), "not-a-uuid"]) {
        const res = await stack.request(`/products/${id}`);
        assert.equal(res.status, 404, id);
        assert.equal(res.headers.get("content-type"), "application/problem+json");
        await res.body?.cancel();
      }
    });

    await t.step("the metrics count requests by route and status", async () => {
      const res = await stack.request("/metrics");
      const text = await res.text();
      assert.match(text, /http_requests_total\{method="GET",route="\/products\/:id",status="404"/);
      assert.match(text, /http_request_duration_seconds_bucket/);
    });
  } finally {
    await stack.close();
  }
});

Deno.test("a service that is down costs a 503 within the deadline, not a hang", async (t) => {
  const stack = await startStack({ env: { REQUEST_BUDGET_MS: "1500", RPC_TIMEOUT_MS: "1000" } });
  try {
    await t.step("users stopped: login is 503 with Retry-After, at once", async () => {
      await stack.stop("users");
      const started = performance.now();
      const res = await stack.request(
        "/auth/login",
        json("POST", { email: "a@example.com", password: "whatever1" }),
      );
      const ms = performance.now() - started;
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("retry-after"), "1");
      assert.equal((await res.json()).kind, "unavailable");
      assert.ok(ms < 1500, `took ${ms} ms`);
    });

    await t.step("/ready is 503 and names what is missing", async () => {
      const res = await stack.request("/ready");
      assert.equal(res.status, 503);
      const body = await res.json();
      assert.equal(body.checks.users, "users does not answer");
      assert.equal(body.checks.catalog, "ok");
      assert.equal(body.checks.nats, "ok");
      // Known before users stopped, its keys still verify tokens meanwhile.
      assert.equal(body.checks["token keys"], "ok");
    });

    await t.step("users back: /ready is 200 again", async () => {
      await stack.start("users");
      const res = await stack.request("/ready");
      assert.equal(res.status, 200, JSON.stringify(await res.clone().json()));
      await res.body?.cancel();
    });

    await t.step(
      "NATS itself down: 503 or 504 within the budget, never 500 or a hang",
      async () => {
        await stack.nats.stop();
        const started = performance.now();
        const res = await stack.request("/products");
        const ms = performance.now() - started;
        assert.ok([503, 504].includes(res.status), `status ${res.status}`);
        assert.equal(res.headers.get("content-type"), "application/problem+json");
        await res.body?.cancel();
        assert.ok(ms < 1500 + 250, `took ${ms} ms`);
      },
    );
  } finally {
    await stack.close();
  }
});
