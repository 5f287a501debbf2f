import assert from "node:assert/strict";
import { ConfigError, parseConfig } from "../../shared/config/mod.ts";
import { jwks } from "../../shared/contracts/mod.ts";
import { usersConfig } from "./config.ts";
import { generateSigningKey, publicPart, signingKeys } from "./keys.ts";

const key = await generateSigningKey(new Date("2026-11-30T12:00:00Z"));
const env = (vars: Record<string, string>) => ({ TOKEN_SIGNING_KEY: JSON.stringify(key), ...vars });

Deno.test("keys: a generated key", async (t) => {
  await t.step("is an Ed25519 private JWK with a dated kid, fit for TOKEN_SIGNING_KEY", () => {
    assert.match(key.kid, /^2026-11-30-[\w-]{12}$/);
    assert.equal(key.crv, "Ed25519");
    assert.match(key.d, /^[\w-]{43}$/);
    const config = parseConfig("users", usersConfig, env({}));
    assert.deepEqual(config.TOKEN_SIGNING_KEY, key);
    assert.deepEqual(config.TOKEN_RETIRED_KEYS, []);
  });
  await t.step("each is a fresh one", async () => {
    const other = await generateSigningKey();
    assert.notEqual(other.kid, key.kid);
    assert.notEqual(other.d, key.d);
  });
});

Deno.test("keys: the published set", async (t) => {
  const old = await generateSigningKey();
  const until = new Date("2026-12-01T00:00:00Z");
  const keys = await signingKeys(key, [{ jwk: publicPart(old), until }]);

  await t.step("holds public parts only, within the contract", () => {
    const published = keys.publicKeys(new Date("2026-11-30T00:00:00Z"));
    assert.equal(JSON.stringify(published).includes('"d"'), false);
    assert.deepEqual(jwks.parse(published), published);
    assert.deepEqual(published.keys, [
      publicPart(key),
      { ...publicPart(old), until: until.toISOString() },
    ]);
  });
  await t.step("a retired key goes at its until", () => {
    const at = (iso: string) => keys.publicKeys(new Date(iso)).keys.map((k) => k.kid);
    assert.deepEqual(at("2026-11-30T23:59:59.999Z"), [key.kid, old.kid]);
    assert.deepEqual(at("2026-12-01T00:00:00Z"), [key.kid]);
  });
});

Deno.test("keys: a key that cannot work stops the start, naming the variable", async (t) => {
  const refused = (vars: Record<string, string>, message: RegExp) => {
    assert.throws(() => parseConfig("users", usersConfig, vars), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, message);
      // Never the key itself, even in part.
      assert.equal(error.message.includes(key.d), false);
      return true;
    });
  };
  await t.step("missing", () => refused({}, /^config: TOKEN_SIGNING_KEY is required$/));
  await t.step("not JSON", () => {
    refused({ TOKEN_SIGNING_KEY: key.d }, /TOKEN_SIGNING_KEY must be .* and is not JSON$/);
  });
  await t.step("no kid, no d, another curve", () => {
    const { kid: _, ...noKid } = key;
    refused({ TOKEN_SIGNING_KEY: JSON.stringify(noKid) }, /TOKEN_SIGNING_KEY .*\(at kid\)/);
    refused({ TOKEN_SIGNING_KEY: JSON.stringify(publicPart(key)) }, /\(at d\)/);
    refused({ TOKEN_SIGNING_KEY: JSON.stringify({ ...key, crv: "X25519" }) }, /\(at crv\)/);
    refused({ TOKEN_SIGNING_KEY: JSON.stringify({ ...key, kid: "a b" }) }, /\(at kid\)/);
  });
  await t.step("retired keys: a private one, a bad until, not a list", () => {
    const retired = (value: unknown) => env({ TOKEN_RETIRED_KEYS: JSON.stringify(value) });
    const until = "2026-12-01T00:00:00Z";
    refused(retired([{ jwk: key, until }]), /TOKEN_RETIRED_KEYS .*\(at 0\.jwk\): is a private key/);
    refused(retired([{ jwk: publicPart(key), until: "soon" }]), /\(at 0\.until\)/);
    refused(retired({ jwk: publicPart(key), until }), /TOKEN_RETIRED_KEYS must be a list/);
  });
  await t.step("a d that is not x's private part", async () => {
    const other = await generateSigningKey();
    await assert.rejects(
      () => signingKeys({ ...key, d: other.d }),
      new ConfigError("config: TOKEN_SIGNING_KEY's x is not the public part of its d"),
    );
  });
  await t.step("a retired key with the signing key's kid", async () => {
    const old = await generateSigningKey();
    await assert.rejects(
      () => signingKeys(key, [{ jwk: { ...publicPart(old), kid: key.kid }, until: new Date() }]),
      new ConfigError(`config: TOKEN_RETIRED_KEYS repeats the kid "${key.kid}"`),
    );
  });
});
