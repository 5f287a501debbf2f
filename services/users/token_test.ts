import assert from "node:assert/strict";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { generateSigningKey, signingKeys } from "./keys.ts";
import { issueToken } from "./token.ts";

const subject = { userId: "u1", email: "a@example.com", role: "user" } as const;
const options = { issuer: "users", audience: "gateway", ttlSeconds: 600 };

Deno.test("token: an EdDSA JWT naming the user and its key, expiring after the ttl", async (t) => {
  const keys = await signingKeys(await generateSigningKey());
  const now = new Date();
  now.setMilliseconds(0);
  const { token, expiresAt } = await issueToken(subject, keys, options, now);

  await t.step("header: alg EdDSA and the signing key's kid", () => {
    assert.deepEqual(decodeProtectedHeader(token), { alg: "EdDSA", typ: "JWT", kid: keys.kid });
  });

  await t.step("it verifies with the published key set, its claims as issued", async () => {
    const { payload } = await jwtVerify(token, createLocalJWKSet(keys.publicKeys()), {
      algorithms: ["EdDSA"],
      issuer: "users",
      audience: "gateway",
      requiredClaims: ["exp"],
    });
    const iat = now.getTime() / 1000;
    assert.deepEqual(payload, {
      sub: "u1",
      email: "a@example.com",
      role: "user",
      iss: "users",
      aud: "gateway",
      iat,
      exp: iat + 600,
    });
    assert.equal(expiresAt, new Date((iat + 600) * 1000).toISOString());
  });

  await t.step("another key's set does not verify it", async () => {
    const other = await signingKeys({ ...await generateSigningKey(), kid: keys.kid });
    await assert.rejects(() => jwtVerify(token, createLocalJWKSet(other.publicKeys())));
  });
});
