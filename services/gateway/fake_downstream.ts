/**
 * The gateway's app with fake downstream clients, for the tests of its own answers: a users fake
 * that registers, refuses logins and times out on profiles, an orders fake that is unavailable,
 * a NATS connection that answers pings only, and `/ready` finding users down.
 */
import assert from "node:assert/strict";
import { errors as natsErrors } from "@nats-io/nats-core";
import type { CallOptions } from "../../shared/bus/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";
import { createLogger } from "../../shared/log/mod.ts";
import { BreakerRegistry } from "../../shared/resilience/mod.ts";
import { createGatewayApp, type GatewayDeps } from "./app.ts";
import { defaultBodyLimitBytes } from "./config.ts";
import { TokenBuckets } from "./rate_limit.ts";
import { testTokens } from "./test_tokens.ts";

const signer = await testTokens();
/** The body limit of `gateway()`'s app, in bytes: the default one. */
export const limit = defaultBodyLimitBytes;

/** Calls made downstream, by method name; a test empties it before the request it checks. */
export const calls: string[] = [];

/** A client whose methods answer from `answers`, and fail as `internal` for any other method. */
export function fakeClient(
  answers: Record<string, (request: unknown, options?: CallOptions) => unknown>,
) {
  return new Proxy({}, {
    get: (_target, method: string) => (request: unknown, options?: CallOptions) => {
      calls.push(method);
      const answer = answers[method];
      return answer ? Promise.resolve().then(() => answer(request, options)) : Promise.reject(
        new ServiceError("internal", `the fake has no ${method}`),
      );
    },
  }) as never;
}

/**
 * A NATS connection that answers pings (`flush`) and nothing else: these requests must be
 * refused before anything else is asked of it; touching it fails the request loudly.
 */
export function fakeNats(flush: () => Promise<void> = () => Promise.resolve()) {
  const answers: Record<string, unknown> = { isClosed: () => false, flush };
  return new Proxy(answers, {
    get: (target, key: string) => {
      if (key in target) return target[key];
      throw new Error("NATS was used");
    },
  }) as never;
}
const noNats = fakeNats();

/** The app on the fakes above, a 1 s budget and no rate limit to speak of; `overrides` replaces. */
export function gateway(overrides: Partial<GatewayDeps> = {}) {
  return createGatewayApp({
    users: fakeClient({
      register: () => ({ userId: crypto.randomUUID() }),
      login: () => {
        throw new ServiceError("unauthorized", "wrong email or password");
      },
      getProfile: () => {
        throw new natsErrors.TimeoutError();
      },
    }),
    catalog: fakeClient({}),
    orders: fakeClient({
      listOrders: () => {
        throw new ServiceError("unavailable", "orders is not running");
      },
    }),
    payments: fakeClient({}),
    notifications: fakeClient({}),
    history: fakeClient({}),
    readiness: { nats: () => Promise.resolve(), users: () => Promise.reject(new Error("down")) },
    breakers: new BreakerRegistry(),
    serviceStats: () => Promise.resolve(""),
    nc: noNats,
    tokens: signer.tokens,
    rateLimits: new TokenBuckets({ burst: 1_000_000, perSecond: 1 }),
    requestBudgetMs: 1000,
    bodyLimitBytes: limit,
    log: createLogger({ service: "gateway", level: "error" }),
    ...overrides,
  });
}

/** The app with every default. */
export const app = await gateway();

/** A token signed with the app's key, for `role`, expiring in `expiresIn` s (negative: expired). */
export const token = (role: string, expiresIn = 3600) =>
  signer.sign({
    sub: crypto.randomUUID(),
    email: "a@example.com",
    role,
    exp: Math.floor(Date.now() / 1000) + expiresIn,
  });

/**
 * Asserts `res` is a problem+json of `status` and `kind`, with Retry-After on a 503 or a 429;
 * returns the parsed problem.
 */
export async function assertProblem(res: Response, status: number, kind: string) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  const body = JSON.parse(text);
  assert.equal(body.status, status);
  assert.equal(body.kind, kind);
  if (status === 503 || status === 429) assert.match(res.headers.get("retry-after") ?? "", /^\d+$/);
  return body;
}

/** A valid registration body. */
export const register = { email: "ada@example.com", password: "correct horse", name: "Ada" };
