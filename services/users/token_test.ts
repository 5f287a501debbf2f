import assert from "node:assert/strict";
import { verify } from "hono/jwt";
import { issueToken } from "./token.ts";

const secret = "test-secret-that-is-at-least-32-characters";

Deno.test("token: an HS256 JWT naming the user, expiring after the ttl", async () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const { token, expiresAt } = await issueToken(
    { userId: "u1", email: "a@example.com", role: "user" },
    secret,
    600,
    now,
  );
  assert.equal(expiresAt, "2026-01-01T00:10:00.000Z");
  const header = JSON.parse(atob(token.split(".")[0]));
  assert.equal(header.alg, "HS256");
  const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  assert.deepEqual(
    { sub: claims.sub, email: claims.email, role: claims.role, exp: claims.exp },
    { sub: "u1", email: "a@example.com", role: "user", exp: now.getTime() / 1000 + 600 },
  );
});

Deno.test("token: verifies with the secret, not with another", async () => {
  const { token } = await issueToken(
    { userId: "u1", email: "a@example.com", role: "user" },
    secret,
    600,
  );
  assert.equal((await verify(token, secret, "HS256")).sub, "u1");
  await assert.rejects(() => verify(token, "another-secret-of-32-characters!!", "HS256"));
});
