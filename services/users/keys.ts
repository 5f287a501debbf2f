/**
 * The keys access tokens are signed with: Ed25519 (EdDSA), so the gateway holds public keys only
 * and cannot mint a token. TOKEN_SIGNING_KEY is the private key in use; TOKEN_RETIRED_KEYS the
 * public parts of earlier ones, each published until its `until` (the overlap: tokens they signed
 * still verify until then). The gateway asks for the key set over `rpc.users.publicKeys`.
 *
 * A fresh key (its public part, for TOKEN_RETIRED_KEYS later, is the same without `d`):
 * `deno eval 'import { generateSigningKey as g } from "./services/users/keys.ts";
 * console.log(JSON.stringify(await g()))'`
 */
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
} from "jose";
import * as z from "zod";
import { ConfigError } from "../../shared/config/mod.ts";
import {
  ed25519Bytes,
  type Jwks,
  maxPublishedKeys,
  type PublicJwk,
  publicJwk,
  timestamp,
} from "../../shared/contracts/mod.ts";

/** A public key as configured: `alg` and `use` may be left out (they can only be EdDSA, sig). */
const configuredPublicJwk = publicJwk.omit({ until: true }).extend({
  alg: z.literal("EdDSA").default("EdDSA"),
  use: z.literal("sig").default("sig"),
});

/** TOKEN_SIGNING_KEY's shape: an Ed25519 private JWK (RFC 8037) with its `kid`. */
export const signingJwk = configuredPublicJwk.extend({ d: ed25519Bytes });
/** A private signing key as `signingJwk` describes it. */
export type SigningJwk = z.infer<typeof signingJwk>;

/** One entry of TOKEN_RETIRED_KEYS: a former key's public part, and when it stops verifying. */
export const retiredKey = z.object({
  // The private part has no business here: refused by name, not as just "an unknown key".
  jwk: z.unknown()
    .refine((jwk) => !(typeof jwk === "object" && jwk !== null && "d" in jwk), {
      message: "is a private key (it has d): give its public part only",
      abort: true,
    })
    .pipe(configuredPublicJwk.strict()),
  until: timestamp.transform((value) => new Date(value)),
});
/** A retired key as `retiredKey` describes it. */
export type RetiredKey = z.infer<typeof retiredKey>;

/** A config variable holding JSON of `schema`; the message names what is wrong, never a value. */
function jsonVariable<T extends z.ZodType>(schema: T, what: string) {
  return z.string().transform((text, ctx): z.infer<T> => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: "custom", message: `must be ${what} as JSON, and is not JSON` });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const at = issue.path.length > 0 ? ` (at ${issue.path.join(".")})` : "";
    ctx.addIssue({ code: "custom", message: `must be ${what}${at}: ${issue.message}` });
    return z.NEVER;
  });
}

/** TOKEN_SIGNING_KEY: required; `signingJwk` as JSON. */
export const signingKeyVariable = jsonVariable(
  signingJwk,
  'an Ed25519 private JWK with a kid ({"kty":"OKP","crv":"Ed25519","x":…,"d":…,"kid":…})',
);

/** TOKEN_RETIRED_KEYS: a JSON array of `retiredKey`, none by default. */
export const retiredKeysVariable = jsonVariable(
  z.array(retiredKey).max(maxPublishedKeys - 1, `at most ${maxPublishedKeys - 1} keys`),
  'a list of retired public keys ([{"jwk":{"kty":"OKP","crv":"Ed25519","x":…,"kid":…},' +
    '"until":"2026-12-01T00:00:00Z"}])',
).default([]);

/** A fresh Ed25519 signing key as a private JWK, its `kid` the date and its thumbprint's start. */
export async function generateSigningKey(now = new Date()): Promise<SigningJwk> {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk = await exportJWK(privateKey);
  const thumbprint = await calculateJwkThumbprint(jwk);
  const kid = `${now.toISOString().slice(0, 10)}-${thumbprint.slice(0, 12)}`;
  return signingJwk.parse({ ...jwk, kid });
}

/** A signing key's public part: what TOKEN_RETIRED_KEYS takes and the key set publishes. */
export function publicPart(key: SigningJwk): PublicJwk {
  const { kty, crv, x, kid, alg, use } = key;
  return { kty, crv, x, kid, alg, use };
}

/** The key tokens are signed with, imported once, and the key set the gateway verifies with. */
export interface SigningKeys {
  /** The `kid` every new token names. */
  kid: string;
  privateKey: CryptoKey;
  /** The signing key's public part and each retired key still before its `until`. */
  publicKeys(now?: Date): Jwks;
}

/**
 * Imports `current` and checks it: its `d` must belong to its `x` (a key pasted from two
 * places would sign tokens nothing verifies), and no retired key may share its `kid`.
 * Throws ConfigError naming the variable.
 */
export async function signingKeys(
  current: SigningJwk,
  retired: readonly RetiredKey[] = [],
): Promise<SigningKeys> {
  const privateKey = await importJWK(current, "EdDSA").catch(() => {
    throw new ConfigError("config: TOKEN_SIGNING_KEY is not an Ed25519 key WebCrypto can import");
  }) as CryptoKey;
  const probe = await new SignJWT({}).setProtectedHeader({ alg: "EdDSA" }).sign(privateKey);
  const own = await importJWK(publicPart(current), "EdDSA");
  if (!await jwtVerify(probe, own).then(() => true, () => false)) {
    throw new ConfigError("config: TOKEN_SIGNING_KEY's x is not the public part of its d");
  }
  const kids = [current.kid, ...retired.map((key) => key.jwk.kid)];
  const repeated = kids.find((kid, i) => kids.indexOf(kid) !== i);
  if (repeated !== undefined) {
    throw new ConfigError(`config: TOKEN_RETIRED_KEYS repeats the kid "${repeated}"`);
  }
  const published = publicPart(current);
  return {
    kid: current.kid,
    privateKey,
    publicKeys: (now = new Date()) => ({
      keys: [
        published,
        ...retired.filter((key) => key.until > now)
          .map((key) => ({ ...key.jwk, until: key.until.toISOString() })),
      ],
    }),
  };
}
