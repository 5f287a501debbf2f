/**
 * The gateway's errors, each problem+json with a `kind`: 401 (with WWW-Authenticate), 403, 404,
 * 405 (with Allow), 400, 429, and 503 with Retry-After, whether downstream, NATS or /ready fails.
 */
import assert from "node:assert/strict";
import { sign } from "hono/jwt";
import { TokenBuckets } from "./rate_limit.ts";
import { app, assertProblem, fakeNats, gateway, register, token } from "./fake_downstream.ts";

Deno.test("gateway errors: every one problem+json with a kind", async (t) => {
  await t.step("401 without a token, with WWW-Authenticate", async () => {
    const res = await app.request("/wallet");
    await assertProblem(res, 401, "unauthorized");
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
  });

  await t.step("401 for a bad, a foreign and an expired token", async () => {
    const foreign = await sign({ sub: "x", exp: 9999999999 }, "another-secret-".repeat(3), "HS256");
    for (const bearer of ["nonsense", foreign, await token("user", -60)]) {
      const res = await app.request("/wallet", { headers: { authorization: `Bearer ${bearer}` } });
      await assertProblem(res, 401, "unauthorized");
    }
  });

  await t.step("401 for a wrong password, with WWW-Authenticate", async () => {
    const res = await app.request("/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: register.email, password: "wrong password" }),
    });
    await assertProblem(res, 401, "unauthorized");
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
  });

  await t.step("403 for a user's token on /admin", async () => {
    const res = await app.request("/admin/services", {
      headers: { authorization: `Bearer ${await token("user")}` },
    });
    await assertProblem(res, 403, "forbidden");
  });

  await t.step("404 for an unknown route", async () => {
    await assertProblem(await app.request("/nowhere"), 404, "not_found");
  });

  await t.step("405 with Allow for a path that takes other methods", async () => {
    const res = await app.request("/products/x", { method: "DELETE" });
    await assertProblem(res, 405, "method_not_allowed");
    assert.equal(res.headers.get("allow"), "GET, HEAD");
    const orders = await app.request("/orders", {
      method: "PUT",
      headers: { authorization: `Bearer ${await token("user")}` },
    });
    await assertProblem(orders, 405, "method_not_allowed");
    assert.equal(orders.headers.get("allow"), "GET, HEAD, POST");
  });

  await t.step("400 for malformed JSON", async () => {
    const res = await app.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    await assertProblem(res, 400, "invalid");
  });

  await t.step("503 from downstream carries Retry-After", async () => {
    const res = await app.request("/orders", {
      headers: { authorization: `Bearer ${await token("user")}` },
    });
    await assertProblem(res, 503, "unavailable");
  });

  await t.step("NATS failing under a route is 503 with Retry-After, not 500", async () => {
    const res = await app.request("/auth/me", {
      headers: { authorization: `Bearer ${await token("user")}` },
    });
    await assertProblem(res, 503, "unavailable");
  });

  await t.step("admin routes without NATS: 503 with Retry-After at once", async () => {
    const silent = await gateway({ nc: fakeNats(() => new Promise(() => {})) });
    const started = performance.now();
    const res = await silent.request("/admin/events?from=ORDERS", {
      headers: { authorization: `Bearer ${await token("admin")}` },
    });
    await assertProblem(res, 503, "unavailable");
    assert.ok(performance.now() - started < 2000);
    // A bad request is still told what is wrong with it.
    const bad = await silent.request("/admin/events?from=orders..placed", {
      headers: { authorization: `Bearer ${await token("admin")}` },
    });
    await assertProblem(bad, 400, "invalid");
  });

  await t.step("/ready's 503 is a problem with Retry-After, naming what is missing", async () => {
    const res = await app.request("/ready");
    const problem = await assertProblem(res, 503, "unavailable");
    assert.equal(problem.checks.nats, "ok");
    assert.equal(problem.checks.users, "down");
    assert.match(problem.detail, /users/);
  });

  await t.step(
    "/ready?scope=self asks about the gateway alone: ready while users is down",
    async () => {
      const res = await app.request("/ready?scope=self");
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.deepEqual(body.checks, { nats: "ok" });
      await assertProblem(await app.request("/ready?scope=everything"), 400, "invalid");
      await assertProblem(await app.request("/ready?scope=self&x=1"), 400, "invalid");
    },
  );

  await t.step("429 has a kind and Retry-After", async () => {
    const tight = await gateway({ rateLimits: new TokenBuckets({ burst: 1, perSecond: 0.001 }) });
    await (await tight.request("/products/x")).body?.cancel();
    await assertProblem(await tight.request("/products/x"), 429, "rate_limited");
  });
});
