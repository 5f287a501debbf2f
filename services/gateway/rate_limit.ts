/**
 * Rate limits as token buckets: each key holds up to `burst` tokens, refilled at `perSecond`;
 * a request takes one or is refused with how long until the next. Keys are users (the JWT's
 * subject) or, for anonymous requests, the client's address. The routes that check a password
 * have a stricter limit of their own, by address alone (`addressRateLimit`).
 *
 * The address is the TCP peer's, from Deno.serve's handler info (hono/deno `getConnInfo`); behind
 * a proxy that is the proxy's, and the limit is then shared by everyone behind it.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/deno";
import { type AccessTokens, bearerToken } from "./authentication.ts";
import type { GatewayEnv } from "./context.ts";
import { problem } from "./problem.ts";

export interface BucketOptions {
  burst: number;
  perSecond: number;
  /** Buckets kept at most; the least recently used go first. */
  maxKeys?: number;
  now?: () => number;
}

export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #now: () => number;
  constructor(readonly options: BucketOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** 0 when the request may go; otherwise milliseconds until a token is back. */
  take(key: string): number {
    const now = this.#now();
    const { burst, perSecond } = this.options;
    const bucket = this.#buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.#buckets.delete(key); // re-inserted last: the map stays in least-recently-used order
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > (this.options.maxKeys ?? 100_000)) {
      this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / perSecond) * 1000);
  }
}

export function rateLimit(
  buckets: TokenBuckets,
  tokens: AccessTokens,
): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const waitMs = buckets.take(await clientKey(c, tokens));
    return waitMs === 0 ? next() : tooMany(c, waitMs);
  };
}

/**
 * A limit by the client's address alone, whatever token it sends, in buckets of its own: for
 * login and register. Each checks a password, which costs the users service ~85 ms of a core
 * (PBKDF2 at 600,000 rounds), so one address trying passwords at the rate allowed for reads
 * could keep its hashing busy for everyone (issue 17, class 8); it also slows guessing.
 */
export function addressRateLimit(buckets: TokenBuckets): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const waitMs = buckets.take(clientAddress(c));
    return waitMs === 0 ? await next() : tooMany(c, waitMs);
  };
}

function tooMany(c: Context<GatewayEnv>, waitMs: number): Response {
  c.header("Retry-After", String(Math.max(1, Math.ceil(waitMs / 1000))));
  return problem(c, 429, "too many requests; slow down", { kind: "rate_limited" });
}

async function clientKey(c: Context<GatewayEnv>, tokens: AccessTokens): Promise<string> {
  const token = bearerToken(c.req.header("authorization"));
  if (token) {
    try {
      const claims = await tokens.verify(token);
      // The route's authentication (requireToken) need not verify the token again.
      c.set("jwtPayload", claims);
      return `user:${claims.sub}`;
    } catch (error) {
      // A bad token is limited by address; the route refuses it for this reason, unchecked again.
      c.set("tokenRefusal", error as Error);
    }
  }
  return clientAddress(c);
}

function clientAddress(c: Context<GatewayEnv>): string {
  try {
    return `ip:${addressKey(getConnInfo(c).remote.address ?? "unknown")}`;
  } catch {
    return "ip:unknown"; // called without a connection (in-process tests)
  }
}

/**
 * The part of an address that names one client: an IPv4 address whole (also when IPv4-mapped,
 * `::ffff:192.0.2.1`), an IPv6 address by its /64 prefix, the smallest block a subscriber is
 * given (RFC 6177): otherwise one host could take a fresh bucket per request from its 2^64.
 */
export function addressKey(address: string): string {
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i);
  if (mapped) return mapped[1];
  if (!address.includes(":")) return address;
  const [head, tail] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined
    ? left
    : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(":")}::/64`;
}
