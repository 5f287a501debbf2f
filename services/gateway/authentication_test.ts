/**
 * Access tokens at the gateway: EdDSA signed by a key of users' set, `exp`, `iss`, `aud` required
 * and checked; 401 `unauthorized` otherwise, 503 `unavailable` while no key set has arrived.
 */
import assert from "node:assert/strict";
import { sign as signHs256 } from "hono/jwt";
import type { Jwks } from "../../shared/contracts/mod.ts";
import { accessTokens } from "./authentication.ts";
import { assertProblem } from "./fake_downstream.ts";
import { TokenBuckets } from "./rate_limit.ts";
import { appWithoutDownstream } from "./testing.ts";
import { testKey, testTokenKeys } from "./test_tokens.ts";

const audience = { issuer: "users", audience: "gateway" };

/** The app on `keys`, its /auth/me answering the token's subject. */
async function appOn(keys: Parameters<typeof accessTokens>[0]) {
  const getProfile = ({ userId }: { userId: string }) =>
    Promise.resolve({
      userId,
      email: "a@example.com",
      name: "Ada",
      createdAt: "2026-01-01T00:00:00Z",
    });
  const app = await appWithoutDownstream({
    tokens: accessTokens(keys, audience),
    users: { getProfile } as never,
    rateLimits: new TokenBuckets({ burst: 1_000_000, perSecond: 1 }),
  });
  return (token: string) =>
    app.request("/auth/me", { headers: { authorization: `Bearer ${token}` } });
}

Deno.test("access tokens: what the gateway accepts and refuses", async (t) => {
  const key = await testKey("k1");
  const keys = testTokenKeys({ keys: [key.jwk] });
  await keys.refresh();
  const me = await appOn(keys);
  const userId = crypto.randomUUID();
  const claims = { sub: userId, email: "a@example.com", role: "user" };

  await t.step("signed by a published key, with exp, iss and aud: accepted", async () => {
    const res = await me(await key.sign(claims));
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await res.json()).userId, userId);
  });

  const refused = async (token: string, detail: RegExp) => {
    const body = await assertProblem(await me(token), 401, "unauthorized");
    assert.match(body.detail, detail);
  };
  await t.step("without exp: 401", async () => {
    await refused(await key.sign({ ...claims, exp: undefined }), /exp/);
  });
  await t.step("expired: 401", async () => {
    await refused(
      await key.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }),
      /expired/,
    );
  });
  await t.step("another issuer, or none: 401", async () => {
    await refused(await key.sign({ ...claims, iss: "someone-else" }), /iss/);
    await refused(await key.sign({ ...claims, iss: undefined }), /iss/);
  });
  await t.step("another audience, or none: 401", async () => {
    await refused(await key.sign({ ...claims, aud: "another-service" }), /aud/);
    await refused(await key.sign({ ...claims, aud: undefined }), /aud/);
  });
  await t.step("no role or email: 401", async () => {
    await refused(await key.sign({ ...claims, role: undefined }), /role/);
  });
  await t.step(
    "HS256 with any secret, even naming a published kid: 401, keys not asked",
    async () => {
      const fetches = keys.fetches;
      const now = Math.floor(Date.now() / 1000);
      const forged = { ...claims, iss: "users", aud: "gateway", exp: now + 600 };
      for (const secret of ["secret", key.jwk.x, "a-secret-of-at-least-32-characters!!"]) {
        const token = await signHs256(forged, secret, "HS256");
        await refused(token, /EdDSA/);
        const [, body, mac] = token.split(".");
        const withKid = btoa(JSON.stringify({ alg: "HS256", typ: "JWT", kid: "k1" }))
          .replace(/=+$/, "");
        await refused(`${withKid}.${body}.${mac}`, /EdDSA|not valid/);
      }
      assert.equal(keys.fetches, fetches);
    },
  );
  await t.step("signed by a key users never published: 401", async () => {
    const stranger = await testKey("k1"); // the same kid, another key
    await refused(await stranger.sign(claims), /not valid|signature/);
  });
  await t.step("a token is checked once per request, refused or not", async () => {
    const tokens = accessTokens(keys, audience);
    let checks = 0;
    const app = await appWithoutDownstream({
      tokens: { verify: (token) => (checks++, tokens.verify(token)) },
      users: { getProfile: () => Promise.reject(new Error("not asked")) } as never,
    });
    const stranger = await testKey("k1");
    const res = await app.request("/auth/me", {
      headers: { authorization: `Bearer ${await stranger.sign(claims)}` },
    });
    await assertProblem(res, 401, "unauthorized");
    assert.equal(checks, 1);
  });
  await t.step("no kid: 401", async () => {
    await refused(await key.sign(claims, { kid: undefined }), /key/);
  });
});

Deno.test("access tokens: rotation", async (t) => {
  let now = Date.parse("2026-11-30T12:00:00Z");
  const until = new Date("2026-11-30T13:00:00Z");
  const old = await testKey("old", until);
  const current = await testKey("current");
  const published: Jwks = { keys: [current.jwk, old.jwk] };
  const keys = testTokenKeys(published, { now: () => now, unknownKidGapMs: 5000 });
  await keys.refresh();
  const me = await appOn(keys);
  const claims = { sub: crypto.randomUUID(), email: "a@example.com", role: "user" };

  await t.step("a retired key verifies until its until", async () => {
    now = until.getTime() - 1;
    assert.equal((await me(await old.sign(claims))).status, 200);
    assert.equal((await me(await current.sign(claims))).status, 200);
  });
  await t.step("and not after it, before any refresh, its tokens not yet expired", async () => {
    now = until.getTime();
    const fetches = keys.fetches;
    await assertProblem(await me(await old.sign(claims)), 401, "unauthorized");
    assert.equal((await me(await current.sign(claims))).status, 200);
    assert.equal(keys.fetches, fetches);
  });
  await t.step("a key dropped from the set stops verifying at the next refresh", async () => {
    published.keys = [current.jwk];
    const unlimited = await testKey("unlimited");
    published.keys.push(unlimited.jwk);
    await keys.refresh();
    assert.equal((await me(await unlimited.sign(claims))).status, 200);
    published.keys = [current.jwk];
    await keys.refresh();
    await assertProblem(await me(await unlimited.sign(claims)), 401, "unauthorized");
  });
  await t.step("a token without kid is refused without asking users", async () => {
    now += 60_000;
    const fetches = keys.fetches;
    await assertProblem(
      await me(await current.sign(claims, { kid: undefined })),
      401,
      "unauthorized",
    );
    assert.equal(keys.fetches, fetches);
  });
  await t.step("a new kid is asked for once, then verifies", async () => {
    now += 60_000;
    const next = await testKey("next");
    published.keys = [next.jwk, current.jwk];
    const fetches = keys.fetches;
    // Users answers after a while: the requests meanwhile wait for that one answer.
    const fetch = keys.options.fetch;
    keys.options.fetch = () => new Promise((r) => setTimeout(r, 50)).then(fetch);
    const tokens = await Promise.all(Array.from({ length: 5 }, () => next.sign(claims)));
    const answers = await Promise.all(tokens.map(async (token) => (await me(token)).status));
    keys.options.fetch = fetch;
    assert.deepEqual(answers, [200, 200, 200, 200, 200]);
    assert.equal(keys.fetches, fetches + 1);
  });
  await t.step("unknown kids: one refresh per gap, not one per request", async () => {
    now += 60_000;
    const fetches = keys.fetches;
    const forged = await Promise.all(
      Array.from({ length: 20 }, (_, i) => testKey(`forged-${i}`).then((k) => k.sign(claims))),
    );
    for (const token of forged) await assertProblem(await me(token), 401, "unauthorized");
    assert.equal(keys.fetches, fetches + 1);
    now += 4_999;
    await assertProblem(await me(forged[0]), 401, "unauthorized");
    assert.equal(keys.fetches, fetches + 1);
    now += 1;
    await assertProblem(await me(forged[0]), 401, "unauthorized");
    assert.equal(keys.fetches, fetches + 2);
  });
});

Deno.test("access tokens: before users has answered", async (t) => {
  const key = await testKey("k1");
  let answering = false;
  const keys = testTokenKeys({ keys: [key.jwk] }, { retryMs: 20 });
  const fetch = keys.options.fetch;
  keys.options.fetch = () =>
    answering ? fetch() : Promise.reject(new Error("users is not running"));
  const me = await appOn(keys);
  const token = await key.sign({ sub: crypto.randomUUID(), email: "a@example.com", role: "user" });
  try {
    await t.step("the gateway starts without waiting for users", async () => {
      const started = performance.now();
      await keys.start(50);
      assert.ok(performance.now() - started < 1000);
      assert.equal(keys.known, false);
    });
    await t.step("a token is 503 unavailable, with Retry-After, not 401", async () => {
      await assertProblem(await me(token), 503, "unavailable");
    });
    await t.step("it asks again until users answers; then the token verifies", async () => {
      answering = true;
      const deadline = Date.now() + 2000;
      while (!keys.known && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(keys.known, true);
      assert.equal((await me(token)).status, 200);
    });
    await t.step("a failed refresh keeps the keys it had", async () => {
      answering = false;
      await assert.rejects(() => keys.refresh());
      assert.equal((await me(token)).status, 200);
    });
  } finally {
    keys.stop();
  }
});

Deno.test("access tokens: each distinct token's signature is checked once while it holds", async (t) => {
  const key = await testKey("k1");
  const keys = testTokenKeys({ keys: [key.jwk] });
  await keys.refresh();
  const tokens = accessTokens(keys, audience);
  const claims = { sub: crypto.randomUUID(), email: "a@example.com", role: "user" };
  // Counts the signature checks jose asks WebCrypto for.
  const verify = crypto.subtle.verify.bind(crypto.subtle);
  let checks = 0;
  crypto.subtle.verify = (
    ...args: Parameters<SubtleCrypto["verify"]>
  ) => (checks++, verify(...args));
  try {
    await t.step("the same token again: its claims, no second signature check", async () => {
      const token = await key.sign(claims);
      assert.equal((await tokens.verify(token)).sub, claims.sub);
      assert.equal((await tokens.verify(token)).sub, claims.sub);
      assert.equal(checks, 1);
    });

    await t.step("the key set fetched again: the token is checked again", async () => {
      const token = await key.sign(claims);
      await tokens.verify(token);
      checks = 0;
      await keys.refresh();
      await tokens.verify(token);
      assert.equal(checks, 1);
    });

    await t.step("past its exp, a token verified before is refused", async () => {
      const exp = Math.floor(Date.now() / 1000) + 1;
      const token = await key.sign({ ...claims, exp });
      await tokens.verify(token);
      await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
      await assert.rejects(tokens.verify(token), /expired/);
    });
  } finally {
    crypto.subtle.verify = verify;
  }
});
