import assert from "node:assert/strict";
import { Hono } from "hono";
import type { GatewayEnv } from "./context.ts";
import { addressKey, addressRateLimit, TokenBuckets } from "./rate_limit.ts";

Deno.test("token bucket: a burst, then refusals that say how long to wait", () => {
  const clock = { now: 0 };
  const buckets = new TokenBuckets({ burst: 3, perSecond: 2, now: () => clock.now });
  assert.deepEqual([1, 2, 3].map(() => buckets.take("a")), [0, 0, 0]);
  assert.equal(buckets.take("a"), 500);
  clock.now = 500;
  assert.equal(buckets.take("a"), 0);
  assert.equal(buckets.take("a"), 500);
});

Deno.test("token bucket: each key has its own, refilled up to the burst only", () => {
  const clock = { now: 0 };
  const buckets = new TokenBuckets({ burst: 2, perSecond: 1, now: () => clock.now });
  buckets.take("a");
  buckets.take("a");
  assert.ok(buckets.take("a") > 0);
  assert.equal(buckets.take("b"), 0);
  clock.now = 60_000;
  assert.deepEqual([buckets.take("a"), buckets.take("a"), buckets.take("a") > 0], [0, 0, true]);
});

Deno.test("token bucket: the least recently used key is forgotten past maxKeys", () => {
  const buckets = new TokenBuckets({ burst: 1, perSecond: 0.001, maxKeys: 2, now: () => 0 });
  buckets.take("a");
  buckets.take("b");
  buckets.take("c"); // "a" is forgotten: it starts again with a full bucket
  assert.equal(buckets.take("a"), 0);
  assert.ok(buckets.take("c") > 0);
});

Deno.test("address limit: by the client's address alone, whatever token it sends", async () => {
  const buckets = new TokenBuckets({ burst: 2, perSecond: 0.001 });
  const app = new Hono<GatewayEnv>()
    .use(addressRateLimit(buckets))
    .post("/auth/login", (c) => c.text("checked"));
  const from = (hostname: string, token: string) =>
    app.fetch(
      new Request("http://gateway.test/auth/login", {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      }),
      { remoteAddr: { hostname, port: 40000, transport: "tcp" } },
    );
  const statuses = [];
  // Another token each time: a token does not buy another bucket.
  for (let i = 0; i < 3; i++) statuses.push((await from("203.0.113.7", `token-${i}`)).status);
  assert.deepEqual(statuses, [200, 200, 429]);
  const refused = await from("203.0.113.7", "again");
  assert.ok(Number(refused.headers.get("retry-after")) >= 1);
  assert.equal((await refused.json()).kind, "rate_limited");
  assert.equal((await from("198.51.100.1", "x")).status, 200, "another address has its own");
});

Deno.test("address key: IPv4 whole, IPv6 by its /64, so one host cannot rotate buckets", () => {
  assert.equal(addressKey("203.0.113.7"), "203.0.113.7");
  assert.equal(addressKey("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(addressKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:0db8:0001:0002:ffff:1:2:3"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(addressKey("::1"), "0:0:0:0::/64");
  assert.notEqual(addressKey("2001:db8:1:2::1"), addressKey("2001:db8:1:3::1"));
});
