/**
 * Key rotation end to end: users signs with its new key and still publishes the retired one
 * until its `until`; the gateway, which got the key set over NATS, takes tokens of the retired key
 * until then and refuses them after, and refuses a token without `exp` whatever key signed it.
 */
import assert from "node:assert/strict";
import { decodeProtectedHeader, importJWK, SignJWT } from "jose";
import { usersApi } from "../shared/contracts/mod.ts";
import { rpcClient } from "../shared/bus/mod.ts";
import { generateSigningKey, publicPart } from "../services/users/keys.ts";
import { signUp } from "./harness/clients.ts";
import { eventually } from "./harness/eventually.ts";
import { startStack } from "./harness/stack.ts";

Deno.test("token keys: a retired key verifies until its until, then not", async (t) => {
  const retired = await generateSigningKey();
  const current = await generateSigningKey();
  // users starts once the rest of the stack is up, so `until` need only outlast the steps before
  // the last, which waits for it.
  const stack = await startStack({
    services: [],
    env: { TOKEN_SIGNING_KEY: JSON.stringify(current) },
  });
  try {
    // Its database made and migrated first, so that `until` counts from users' start alone.
    await stack.database("users");
    const until = new Date(Date.now() + 10_000);
    await stack.start("users", {
      TOKEN_RETIRED_KEYS: JSON.stringify([{ jwk: publicPart(retired), until }]),
    });
    const user = await signUp(stack, "Rotation");
    const me = (token: string) =>
      stack.request("/auth/me", { headers: { authorization: `Bearer ${token}` } });
    // The gateway, up before users, asks for the key set again every second until it answers.
    await eventually(async () => {
      const res = await me(user.headers.authorization.slice("Bearer ".length));
      await res.body?.cancel();
      return res.status === 503 ? undefined : res.status;
    });
    const retiredKey = await importJWK(retired, "EdDSA");
    const signedByRetired = (claims: Record<string, unknown> = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        sub: user.userId,
        email: "a@example.com",
        role: "user",
        iss: "users",
        aud: "gateway",
        iat: now,
        exp: now + 3600,
        ...claims,
      }).setProtectedHeader({ alg: "EdDSA", kid: retired.kid }).sign(retiredKey);
    };

    await t.step("users publishes both keys over NATS, public parts only", async () => {
      const client = rpcClient(stack.nc, usersApi, { timeoutMs: 2000 });
      const { keys } = await client.publicKeys({});
      assert.deepEqual(keys.map((key) => key.kid), [current.kid, retired.kid]);
      assert.equal(keys[1].until, until.toISOString());
      assert.ok(keys.every((key) => !("d" in key)));
    });
    await t.step("login signs with the current key", () => {
      const token = user.headers.authorization.slice("Bearer ".length);
      assert.equal(decodeProtectedHeader(token).kid, current.kid);
    });
    await t.step("before until, a token of the retired key is accepted", async () => {
      const res = await me(await signedByRetired());
      assert.equal(res.status, 200, await res.text());
    });
    await t.step("without exp, it is refused (and with the current key too)", async () => {
      const res = await me(await signedByRetired({ exp: undefined }));
      assert.equal(res.status, 401);
      assert.equal((await res.json()).kind, "unauthorized");
      const noExp = await stack.signToken({
        sub: user.userId,
        email: "a@example.com",
        role: "user",
        exp: undefined,
      });
      assert.equal(stack.signingKey.kid, current.kid);
      const refused = await me(noExp);
      assert.equal(refused.status, 401);
      await refused.body?.cancel();
    });
    await t.step("after until, the same token is refused", async () => {
      const token = await signedByRetired();
      await new Promise((r) => setTimeout(r, until.getTime() - Date.now() + 10));
      const res = await me(token);
      assert.equal(res.status, 401);
      assert.equal((await res.json()).kind, "unauthorized");
      const fresh = await me(user.headers.authorization.slice("Bearer ".length));
      assert.equal(fresh.status, 200);
      await fresh.body?.cancel();
    });
  } finally {
    await stack.close();
  }
});
