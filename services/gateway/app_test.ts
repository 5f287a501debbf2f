/**
 * The gateway's own answers, on the Hono app with fake downstream clients: the body limit (413
 * before the body is read), JSON routes refusing other media types (415), and a `kind` on
 * every error, with Retry-After on every 503.
 */
import assert from "node:assert/strict";
import { errors as natsErrors } from "@nats-io/nats-core";
import { sign } from "hono/jwt";
import type { CallOptions } from "../../shared/bus/mod.ts";
import type { Product } from "../../shared/contracts/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";
import { createLogger } from "../../shared/log/mod.ts";
import { BreakerRegistry } from "../../shared/resilience/mod.ts";
import { createGatewayApp, type GatewayDeps } from "./app.ts";
import { defaultBodyLimitBytes } from "./config.ts";
import { TokenBuckets } from "./rate_limit.ts";
import { tokenKey } from "./token_key.ts";

const secret = "a-test-secret-of-at-least-32-characters";
const limit = defaultBodyLimitBytes;

/** Calls made downstream, by method name. */
const calls: string[] = [];

function fakeClient(
  answers: Record<string, (request: unknown, options?: CallOptions) => unknown>,
) {
  return new Proxy({}, {
    get: (_target, method: string) => (request: unknown, options?: CallOptions) => {
      calls.push(method);
      const answer = answers[method];
      return answer ? Promise.resolve().then(() => answer(request, options)) : Promise.reject(
        new ServiceError("internal", `the fake has no ${method}`),
      );
    },
  }) as never;
}

/**
 * A NATS connection that answers pings (`flush`) and nothing else: these requests must be
 * refused before anything else is asked of it; touching it fails the request loudly.
 */
function fakeNats(flush: () => Promise<void> = () => Promise.resolve()) {
  const answers: Record<string, unknown> = { isClosed: () => false, flush };
  return new Proxy(answers, {
    get: (target, key: string) => {
      if (key in target) return target[key];
      throw new Error("NATS was used");
    },
  }) as never;
}
const noNats = fakeNats();

async function gateway(overrides: Partial<GatewayDeps> = {}) {
  return createGatewayApp({
    users: fakeClient({
      register: () => ({ userId: crypto.randomUUID() }),
      login: () => {
        throw new ServiceError("unauthorized", "wrong email or password");
      },
      getProfile: () => {
        throw new natsErrors.TimeoutError();
      },
    }),
    catalog: fakeClient({}),
    orders: fakeClient({
      listOrders: () => {
        throw new ServiceError("unavailable", "orders is not running");
      },
    }),
    payments: fakeClient({}),
    notifications: fakeClient({}),
    history: fakeClient({}),
    readiness: { nats: () => Promise.resolve(), users: () => Promise.reject(new Error("down")) },
    breakers: new BreakerRegistry(),
    serviceStats: () => Promise.resolve(""),
    nc: noNats,
    tokenKey: await tokenKey(secret),
    rateLimits: new TokenBuckets({ burst: 1_000_000, perSecond: 1 }),
    requestBudgetMs: 1000,
    bodyLimitBytes: limit,
    log: createLogger({ service: "gateway", level: "error" }),
    ...overrides,
  });
}

const app = await gateway();

const token = (role: string, expiresIn = 3600) =>
  sign(
    {
      sub: crypto.randomUUID(),
      email: "a@example.com",
      role,
      exp: Math.floor(Date.now() / 1000) + expiresIn,
    },
    secret,
    "HS256",
  );

/** A body stream of `chunks` chunks of 16 KiB, pulled only when read; `pulled` counts bytes. */
function countingBody(chunks: number) {
  const counter = { pulled: 0 };
  let left = chunks;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left-- === 0) return controller.close();
      const chunk = new Uint8Array(16 * 1024).fill(0x20);
      counter.pulled += chunk.length;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
  return { stream, counter };
}

async function assertProblem(res: Response, status: number, kind: string) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  const body = JSON.parse(text);
  assert.equal(body.status, status);
  assert.equal(body.kind, kind);
  if (status === 503 || status === 429) assert.match(res.headers.get("retry-after") ?? "", /^\d+$/);
  return body;
}

const register = { email: "ada@example.com", password: "correct horse", name: "Ada" };

Deno.test("gateway body limit", async (t) => {
  await t.step("a declared Content-Length over the limit is 413, the body never read", async () => {
    const { stream, counter } = countingBody(6400); // 100 MiB if it were read
    calls.length = 0;
    const res = await app.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(100 * 2 ** 20) },
      body: stream,
    });
    const problem = await assertProblem(res, 413, "payload_too_large");
    assert.equal(problem.limitBytes, limit);
    assert.equal(counter.pulled, 0);
    assert.deepEqual(calls, []);
  });

  await t.step("a chunked body is read only up to the limit, then 413", async () => {
    const { stream, counter } = countingBody(6400);
    calls.length = 0;
    const res = await app.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
    });
    assert.equal(res.headers.get("content-length"), null);
    await assertProblem(res, 413, "payload_too_large");
    assert.ok(counter.pulled <= limit + 16 * 1024, `pulled ${counter.pulled} bytes`);
    assert.deepEqual(calls, []);
  });

  await t.step(
    "every route has it: over a socket, 100 MiB to a route with no body is 413",
    async () => {
      // Through Deno's HTTP server, as a client would; POST /products does not exist (404) but
      // the limit comes first. (Deno hands no body of a GET to the app at all.)
      const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
      try {
        const conn = await Deno.connect({ port: server.addr.port, hostname: "127.0.0.1" });
        try {
          await conn.write(new TextEncoder().encode(
            "POST /products HTTP/1.1\r\nhost: x\r\nconnection: close\r\n" +
              `content-length: ${100 * 2 ** 20}\r\n\r\n`,
          ));
          const buffer = new Uint8Array(4096);
          const read = await conn.read(buffer);
          const head = new TextDecoder().decode(buffer.subarray(0, read ?? 0));
          assert.match(head, /^HTTP\/1\.1 413 /);
          assert.match(head, /"kind":"payload_too_large"/);
        } finally {
          conn.close();
        }
      } finally {
        await server.shutdown();
      }
    },
  );

  await t.step("a body within the limit goes through", async () => {
    // Valid JSON padded with white space to just under the limit.
    const json = JSON.stringify(register);
    const body = json + " ".repeat(limit - json.length);
    const res = await app.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    assert.equal(res.status, 201, await res.clone().text());
    await res.body?.cancel();
  });

  await t.step("the limit is the configured one", async () => {
    const small = await gateway({ bodyLimitBytes: 1024 });
    const res = await small.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...register, name: "A".repeat(1000) }),
    });
    await assertProblem(res, 413, "payload_too_large");
  });
});

Deno.test("gateway JSON routes take JSON only", async (t) => {
  const adminHeaders = { authorization: `Bearer ${await token("admin")}` };

  await t.step("a redrive sent as a form (curl -d) is 415 and re-drives nothing", async () => {
    // noNats throws if the route runs: a 415 here means nothing was re-driven.
    const res = await app.request("/admin/deadletters/redrive", {
      method: "POST",
      headers: { ...adminHeaders, "content-type": "application/x-www-form-urlencoded" },
      body: JSON.stringify({ sequences: [7] }),
    });
    await assertProblem(res, 415, "unsupported_media_type");
  });

  for (
    const [what, headers] of [
      ["text/plain", { "content-type": "text/plain" }],
      ["a form", { "content-type": "application/x-www-form-urlencoded" }],
      ["multipart", { "content-type": "multipart/form-data; boundary=x" }],
      ["no content type", {}],
    ] as const
  ) {
    await t.step(`register with ${what} is 415, users never called`, async () => {
      calls.length = 0;
      const res = await app.request("/auth/register", {
        method: "POST",
        headers,
        body: new TextEncoder().encode(JSON.stringify(register)),
      });
      await assertProblem(res, 415, "unsupported_media_type");
      assert.deepEqual(calls, []);
    });
  }

  for (
    const contentType of [
      "application/json; charset=utf-8",
      "Application/JSON",
      "application/x+json",
    ]
  ) {
    await t.step(`${contentType} is JSON`, async () => {
      const res = await app.request("/auth/register", {
        method: "POST",
        headers: { "content-type": contentType },
        body: JSON.stringify(register),
      });
      assert.equal(res.status, 201, await res.clone().text());
      await res.body?.cancel();
    });
  }
});

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

  await t.step("429 has a kind and Retry-After", async () => {
    const tight = await gateway({ rateLimits: new TokenBuckets({ burst: 1, perSecond: 0.001 }) });
    await (await tight.request("/products/x")).body?.cancel();
    await assertProblem(await tight.request("/products/x"), 429, "rate_limited");
  });
});

Deno.test("gateway admin inputs: 4xx naming the field, never 5xx", async (t) => {
  const headers = {
    authorization: `Bearer ${await token("admin")}`,
    "content-type": "application/json",
  };

  await t.step("replay to an unknown service is 404 not_found", async () => {
    const res = await app.request("/admin/replay", {
      method: "POST",
      headers,
      body: JSON.stringify({ service: "nosuch", from: "ORDERS", dryRun: true }),
    });
    await assertProblem(res, 404, "not_found");
  });

  await t.step("rebuild of an unknown service is 404 not_found", async () => {
    const res = await app.request("/admin/rebuild", {
      method: "POST",
      headers,
      body: JSON.stringify({ service: "nosuch" }),
    });
    await assertProblem(res, 404, "not_found");
  });

  for (const from of ["orders..placed", "orders.>.placed", "orders.order placed", "", "a.b>"]) {
    await t.step(
      `a bad subject filter (${JSON.stringify(from)}) is 400 naming "from"`,
      async () => {
        const replay = await app.request("/admin/replay", {
          method: "POST",
          headers,
          body: JSON.stringify({ service: "payments", from, dryRun: true }),
        });
        const problem = await assertProblem(replay, 400, "invalid");
        assert.deepEqual(problem.errors.map((e: { path: string }) => e.path), ["from"]);
        const events = await app.request(`/admin/events?from=${encodeURIComponent(from)}`, {
          headers,
        });
        const eventsProblem = await assertProblem(events, 400, "invalid");
        assert.deepEqual(eventsProblem.errors.map((e: { path: string }) => e.path), ["from"]);
      },
    );
  }

  await t.step("an events range that ends before it starts is 400 naming toSeq", async () => {
    const res = await app.request("/admin/events?from=ORDERS&fromSeq=5&toSeq=2", { headers });
    const problem = await assertProblem(res, 400, "invalid");
    assert.deepEqual(problem.errors.map((e: { path: string }) => e.path), ["toSeq"]);
  });
});

Deno.test("gateway trailing slash: 404 as the router says, never a 405 naming the method asked", async (t) => {
  const headers = { authorization: `Bearer ${await token("user")}` };
  for (
    const [method, path] of [
      ["GET", "/products/"],
      ["GET", "/orders/"],
      ["GET", "/wallet/"],
      ["GET", "/history/"],
      ["POST", "/auth/login/"],
    ] as const
  ) {
    await t.step(`${method} ${path} is 404 not_found`, async () => {
      const res = await app.request(path, { method, headers });
      assert.equal(res.headers.get("allow"), null);
      await assertProblem(res, 404, "not_found");
    });
  }
});

/** A body that sends `sent` bytes of the `declared` and then nothing more; `cancelled` once dropped. */
function stalledBody(sent: number) {
  const state = { cancelled: false };
  let first = true;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!first) return new Promise<void>(() => {}); // the client stops sending
      first = false;
      controller.enqueue(new Uint8Array(sent).fill(0x20));
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

Deno.test("gateway slow body: reading is bounded by the request's deadline", async (t) => {
  const budgetMs = 300;
  const quick = await gateway({ requestBudgetMs: budgetMs });

  await t.step(
    "a body that stops short of its Content-Length is 408, then left unread",
    async () => {
      const { stream, state } = stalledBody(17);
      calls.length = 0;
      const res = await quick.request("/wallet/deposits", {
        method: "POST",
        headers: {
          authorization: `Bearer ${await token("user")}`,
          "content-type": "application/json",
          "content-length": "100",
        },
        body: stream,
      });
      await assertProblem(res, 408, "request_timeout");
      assert.equal(res.headers.get("connection"), "close");
      assert.ok(state.cancelled, "the body stream is cancelled");
      assert.deepEqual(calls, []);
    },
  );

  await t.step("a chunked body that stops coming is 408 too", async () => {
    const { stream, state } = stalledBody(17);
    const res = await quick.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
    });
    await assertProblem(res, 408, "request_timeout");
    assert.ok(state.cancelled);
  });

  await t.step("over a socket: the client is answered 408 at the deadline", async () => {
    // Deno's server keeps the connection until the client sends the rest or goes away (Deno
    // has no read timeout, denoland/deno#3515): the app can answer, not close it.
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, quick.fetch);
    try {
      const conn = await Deno.connect({ port: server.addr.port, hostname: "127.0.0.1" });
      try {
        await conn.write(new TextEncoder().encode(
          "POST /wallet/deposits HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
            `authorization: Bearer ${await token("user")}\r\ncontent-length: 100\r\n\r\n` +
            '{"amountCents":1',
        ));
        let text = "";
        const buffer = new Uint8Array(4096);
        while (!text.includes("}")) {
          const read = await conn.read(buffer);
          if (read === null) break;
          text += new TextDecoder().decode(buffer.subarray(0, read));
        }
        assert.match(text, /^HTTP\/1\.1 408 /);
        assert.match(text, /"kind":"request_timeout"/);
      } finally {
        conn.close();
      }
    } finally {
      await server.shutdown();
    }
  });
});

Deno.test("gateway stale catalog fallback", async (t) => {
  const budgetMs = 1000;
  const lamp: Product = {
    id: crypto.randomUUID(),
    sku: "LAMP-1",
    name: "Lamp",
    priceCents: 1999,
    available: 3,
  };
  /** The deadline each call to catalog was given. */
  const given: number[] = [];
  let catalogUp = true;
  /** A catalog that is up, or stalled: it answers nothing and the call ends at its deadline. */
  const whenUp = <T>(answer: () => T) => async (_request: unknown, options?: CallOptions) => {
    given.push(options?.deadline ?? Infinity);
    if (catalogUp) return answer();
    await new Promise((resolve) => setTimeout(resolve, (options?.deadline ?? 0) - Date.now()));
    throw new ServiceError("deadline", "catalog did not answer in time", undefined, "catalog");
  };
  const stalled = await gateway({
    requestBudgetMs: budgetMs,
    catalog: fakeClient({
      listProducts: whenUp(() => ({ items: [lamp] })),
      getProduct: whenUp(() => lamp),
    }),
  });

  await t.step("with catalog stalled, the stale copy comes within the budget", async () => {
    catalogUp = true;
    assert.equal((await stalled.request("/products")).status, 200);
    catalogUp = false;
    for (const path of ["/products", `/products/${lamp.id}`]) {
      given.length = 0;
      const asked = Date.now();
      const res = await stalled.request(path);
      const answered = Date.now();
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get("x-stale"), "true");
      await res.body?.cancel();
      // Catalog is given the budget less a reserve, and the answer comes before the deadline.
      assert.equal(given.length, 1);
      assert.ok(given[0] < asked + budgetMs, `catalog was given until ${given[0] - asked} ms`);
      assert.ok(answered < asked + budgetMs, `answered after ${answered - asked} ms`);
    }
  });

  await t.step(
    "with no stale copy to fall back on, catalog is given the whole budget",
    async () => {
      catalogUp = false;
      given.length = 0;
      const asked = Date.now();
      const res = await stalled.request(`/products/${crypto.randomUUID()}`);
      await assertProblem(res, 504, "deadline");
      assert.ok(given[0] >= asked + budgetMs, `catalog was given until ${given[0] - asked} ms`);
    },
  );

  await t.step("breaker open: a product the stale copy lacks is 503, never a 404", async () => {
    const open = new ServiceError(
      "unavailable",
      "catalog is failing; circuit open",
      { retryAfterMs: 2500 },
      "catalog",
    );
    const down = await gateway({
      catalog: fakeClient({
        listProducts: () => catalogUp ? { items: [lamp] } : Promise.reject(open),
        getProduct: () => catalogUp ? lamp : Promise.reject(open),
      }),
    });
    catalogUp = true;
    assert.equal((await down.request("/products")).status, 200);
    catalogUp = false;
    const known = await down.request(`/products/${lamp.id}`);
    assert.equal(known.status, 200);
    assert.equal(known.headers.get("x-stale"), "true");
    await known.body?.cancel();
    const added = await down.request(`/products/${crypto.randomUUID()}`);
    const problem = await assertProblem(added, 503, "unavailable");
    assert.equal(problem.origin, "catalog");
    assert.equal(added.headers.get("retry-after"), "3");
  });
});
