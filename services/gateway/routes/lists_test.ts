/**
 * The list routes' paging parameters at the gateway: a bad `limit` or `cursor` is a 400 naming
 * it before anything is asked downstream, a good one goes downstream as it came, and the OpenAPI
 * document says so.
 */
import assert from "node:assert/strict";
import { encodeCursor, maxPageSize } from "../../../shared/contracts/mod.ts";
import { createLogger } from "../../../shared/log/mod.ts";
import { BreakerRegistry } from "../../../shared/resilience/mod.ts";
import { createGatewayApp, type GatewayDeps } from "../app.ts";
import { defaultBodyLimitBytes } from "../config.ts";
import { TokenBuckets } from "../rate_limit.ts";
import { testTokens } from "../test_tokens.ts";

const signer = await testTokens();
const asked: { method: string; request: Record<string, unknown> }[] = [];
const client = (method: string, reply: unknown) =>
  ({
    [method]: (request: Record<string, unknown>) => {
      asked.push({ method, request });
      return Promise.resolve(reply);
    },
  }) as never;
const totals = { orders: 0, pending: 0, confirmed: 0, cancelled: 0, confirmedCents: 0 };

const app = createGatewayApp(
  {
    users: {} as never,
    catalog: {} as never,
    orders: client("listOrders", { items: [] }),
    payments: {} as never,
    notifications: client("listNotifications", { items: [] }),
    history: client("orderHistory", { orders: [], totals }),
    readiness: {},
    breakers: new BreakerRegistry(),
    serviceStats: () => Promise.resolve(""),
    nc: {} as never,
    tokens: signer.tokens,
    rateLimits: new TokenBuckets({ burst: 1_000_000, perSecond: 1 }),
    requestBudgetMs: 1000,
    bodyLimitBytes: defaultBodyLimitBytes,
    log: createLogger({ service: "gateway", level: "error" }),
  } satisfies GatewayDeps,
);

const userId = crypto.randomUUID();
const authorization = `Bearer ${await signer.sign(
  { sub: userId, email: "a@example.com", role: "user", exp: Math.floor(Date.now() / 1000) + 600 },
)}`;
const get = (path: string) => app.request(path, { headers: { authorization } });
const lists = {
  "/orders": "listOrders",
  "/notifications": "listNotifications",
  "/history": "orderHistory",
};
const cursor = encodeCursor({ at: "2026-11-30T04:25:29.123456Z", id: crypto.randomUUID() });

Deno.test("gateway lists: paging parameters", async (t) => {
  for (const [path, method] of Object.entries(lists)) {
    await t.step(`${path}: a bad limit or cursor is 400 invalid naming it`, async () => {
      asked.length = 0;
      for (
        const [query, field] of [
          ["limit=0", "limit"],
          [`limit=${maxPageSize + 1}`, "limit"],
          ["limit=ten", "limit"],
          ["limit=1&limit=2", "limit"],
          ["cursor=not-a-cursor", "cursor"],
          [`cursor=${"A".repeat(300)}`, "cursor"],
          [`cursor=${encodeURIComponent(btoa("2026-02-30T00:00:00Z|x"))}`, "cursor"],
        ]
      ) {
        const res = await get(`${path}?${query}`);
        assert.equal(res.status, 400, query);
        assert.equal(res.headers.get("content-type"), "application/problem+json");
        const problem = await res.json();
        assert.equal(problem.kind, "invalid");
        const named = new Set(problem.errors.map((e: { path: string }) => e.path));
        assert.deepEqual([...named], [field], query);
      }
      assert.deepEqual(asked, [], "nothing was asked downstream");
    });

    await t.step(`${path}: a good page goes downstream as asked`, async () => {
      asked.length = 0;
      assert.equal((await get(path)).status, 200);
      assert.equal((await get(`${path}?limit=${maxPageSize}&cursor=${cursor}`)).status, 200);
      assert.deepEqual(asked, [
        { method, request: { userId } },
        { method, request: { userId, limit: maxPageSize, cursor } },
      ]);
    });
  }

  await t.step("/admin/deadletters: a page of at most the same size", async () => {
    const admin = `Bearer ${await signer.sign({
      sub: userId,
      email: "a@example.com",
      role: "admin",
      exp: Math.floor(Date.now() / 1000) + 600,
    })}`;
    for (const query of ["limit=0", `limit=${maxPageSize + 1}`, "limit=x", "fromSeq=0"]) {
      const res = await app.request(`/admin/deadletters?${query}`, {
        headers: { authorization: admin },
      });
      assert.equal(res.status, 400, query);
      assert.equal((await res.json()).kind, "invalid");
    }
    const document = await (await app.request("/openapi.json")).json();
    const parameters = document.paths["/admin/deadletters"].get.parameters;
    const limit = parameters.find((p: { name: string }) => p.name === "limit");
    assert.equal(limit.schema.maximum, maxPageSize);
  });

  await t.step("the OpenAPI document names limit and cursor, and next in the reply", async () => {
    const document = await (await app.request("/openapi.json")).json();
    for (const path of Object.keys(lists)) {
      const operation = document.paths[path].get;
      const parameters = Object.fromEntries(
        operation.parameters.map((p: { name: string; in: string; schema: object }) => [
          `${p.in} ${p.name}`,
          p.schema,
        ]),
      );
      assert.equal(parameters["query limit"].maximum, maxPageSize, path);
      assert.equal(parameters["query limit"].minimum, 1, path);
      assert.equal(parameters["query cursor"].type, "string", path);
      const reply = operation.responses["200"].content["application/json"].schema;
      assert.equal(reply.properties.next.type, "string", path);
      assert.ok(operation.responses["400"], path);
    }
  });
});
