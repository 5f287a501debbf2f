/**
 * Access tokens for the gateway's tests: a key pair of their own, standing in for the users
 * service's, whose public half the gateway trusts, and tokens signed with it as users signs them.
 */
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { Jwks } from "../../shared/contracts/mod.ts";
import { createLogger } from "../../shared/log/mod.ts";
import { type AccessTokens, accessTokens } from "./authentication.ts";
import { TokenKeys, type TokenKeysOptions } from "./token_keys.ts";

/** A signing key pair named `kid`, its public part as users publishes it. */
export async function testKey(kid: string = crypto.randomUUID(), until?: Date) {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  const { x } = await exportJWK(publicKey);
  const jwk = {
    kty: "OKP" as const,
    crv: "Ed25519" as const,
    x: x!,
    kid,
    alg: "EdDSA" as const,
    use: "sig" as const,
    ...(until ? { until: until.toISOString() } : {}),
  };
  /** A token of `claims` on top of users' (iss, aud, iat, an hour's exp), signed with this key. */
  const sign = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: "users", aud: "gateway", iat: now, exp: now + 3600, ...claims })
      .setProtectedHeader({ alg: "EdDSA", kid, ...header })
      .sign(privateKey);
  };
  return { kid, jwk, sign };
}

/** Keys the gateway got from a stand-in for users answering `answer` (a mutable key set). */
export function testTokenKeys(answer: Jwks, options: Partial<TokenKeysOptions> = {}) {
  return new TokenKeys({
    fetch: () => Promise.resolve(structuredClone(answer)),
    refreshMs: 60_000,
    log: createLogger({ service: "gateway", level: "error" }),
    ...options,
  });
}

/** One key, the gateway's tokens trusting it (keys fetched already), and a signer of tokens. */
export async function testTokens(): Promise<{
  tokens: AccessTokens;
  sign: (claims?: Record<string, unknown>) => Promise<string>;
}> {
  const key = await testKey();
  const keys = testTokenKeys({ keys: [key.jwk] });
  await keys.refresh();
  return { tokens: accessTokens(keys, { issuer: "users", audience: "gateway" }), sign: key.sign };
}
