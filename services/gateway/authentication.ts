/**
 * Access tokens checked: EdDSA only (an HS256 token, whatever its secret, is refused before any
 * key is looked up), signed by a key of the users service's key set (token_keys.ts), with `exp`,
 * `iss` and `aud` required and checked. A refused token is 401 `unauthorized`; one that cannot be
 * checked yet (no key set has arrived) is 503 `unavailable`, with Retry-After: the client did
 * nothing wrong.
 */
import { errors, type JWTPayload, jwtVerify } from "jose";
import type { MiddlewareHandler } from "hono";
import { ServiceError } from "../../shared/errors/mod.ts";
import type { AccessClaims, GatewayEnv } from "./context.ts";
import type { TokenKeys } from "./token_keys.ts";

/** Checks an access token: its claims, or a ServiceError (`unauthorized`, `unavailable`). */
export interface AccessTokens {
  verify(token: string): Promise<AccessClaims>;
}

/** Who must have issued a token (`iss`) and for whom (`aud`). */
export interface TokenAudience {
  issuer: string;
  audience: string;
}

/** Verified tokens kept at most, the oldest dropped first: a few MB at about 1 KB each. */
export const verifiedTokensKept = 10_000;

/** A token verified before: its claims, the key that verified it, until when (epoch ms). */
interface Verified {
  claims: AccessClaims;
  kid: string;
  key: CryptoKey;
  expiresAtMs: number;
}

/**
 * Verifies each distinct token once: a client sends the same token on every request, and its
 * Ed25519 check cost the gateway about 77 µs of CPU per request (bench/gateway_profile.ts), a
 * third of all it spends. A token verified before is accepted again without its signature check
 * only while it has not expired and its key is still the very key the set holds for its kid (a
 * refresh imports the keys afresh, so any change to the set re-verifies; a retired key past its
 * `until` is no key), else it is verified again as a new one.
 */
export function accessTokens(
  keys: Pick<TokenKeys, "key">,
  { issuer, audience }: TokenAudience,
): AccessTokens {
  const verified = new Map<string, Verified>();
  return {
    verify: async (token) => {
      const known = verified.get(token);
      if (known) {
        if (Date.now() < known.expiresAtMs && (await keys.key(known.kid)) === known.key) {
          return known.claims;
        }
        verified.delete(token);
      }
      let used: { kid: string; key: CryptoKey } | undefined;
      const keyOf = async ({ kid }: { kid?: string }) => {
        const key = await keys.key(kid);
        if (!key || kid === undefined) throw new errors.JWKSNoMatchingKey("no key with that kid");
        used = { kid, key };
        return key;
      };
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keyOf, {
          algorithms: ["EdDSA"],
          issuer,
          audience,
          requiredClaims: ["exp", "sub"],
        }));
      } catch (error) {
        if (error instanceof ServiceError) throw error;
        throw new ServiceError("unauthorized", refusal(error));
      }
      if (typeof payload.email !== "string" || typeof payload.role !== "string") {
        throw new ServiceError("unauthorized", "the token names no email or role");
      }
      const claims = payload as unknown as AccessClaims;
      if (used && payload.exp !== undefined) {
        if (verified.size >= verifiedTokensKept) verified.delete(verified.keys().next().value!);
        verified.set(token, { claims, ...used, expiresAtMs: payload.exp * 1000 });
      }
      return claims;
    },
  };
}

/** Why a token was refused, in a few words: which claim, not the whole of jose's message. */
function refusal(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "the token has expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `the token's ${error.claim} claim is missing or not accepted`;
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return "the token's key is not (or no longer) known";
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token is not signed with EdDSA";
  return "the token is not valid";
}

/**
 * The bearer token of the request, checked, its claims set as `jwtPayload`; unless the rate limit
 * (rate_limit.ts) checked it already, either way (a signature check costs ~0.1 ms of a core, so a
 * bad token is not checked twice). No token is 401 as well.
 */
export function requireToken(tokens: AccessTokens): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    if (c.var.tokenRefusal) throw c.var.tokenRefusal;
    if (!c.var.jwtPayload) {
      const token = bearerToken(c.req.header("authorization"));
      if (!token) throw new ServiceError("unauthorized", "no bearer token");
      c.set("jwtPayload", await tokens.verify(token));
    }
    await next();
  };
}

/** The token of an `Authorization: Bearer <token>` header, if that is what it holds. */
export function bearerToken(header: string | undefined): string | undefined {
  return header?.match(/^Bearer +([\w.~+/-]+=*) *$/i)?.[1];
}
