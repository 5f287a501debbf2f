/** The gateway's Hono app for tests that ask no downstream service (routing, documents, limits). */
import { createLogger } from "../../shared/log/mod.ts";
import { BreakerRegistry } from "../../shared/resilience/mod.ts";
import { createGatewayApp, type GatewayDeps } from "./app.ts";
import { defaultBodyLimitBytes } from "./config.ts";
import { TokenBuckets } from "./rate_limit.ts";
import { testTokens } from "./test_tokens.ts";

/**
 * The app with every downstream client and NATS left unusable (touching one throws), a 1 s
 * budget and the default body limit; `overrides` replaces any dependency.
 */
export async function appWithoutDownstream(overrides: Partial<GatewayDeps> = {}) {
  const unused = {} as never;
  return createGatewayApp({
    users: unused,
    catalog: unused,
    orders: unused,
    payments: unused,
    notifications: unused,
    history: unused,
    readiness: {},
    breakers: new BreakerRegistry(),
    serviceStats: () => Promise.resolve(""),
    nc: unused,
    tokens: (await testTokens()).tokens,
    rateLimits: new TokenBuckets({ burst: 10, perSecond: 1 }),
    requestBudgetMs: 1000,
    bodyLimitBytes: defaultBodyLimitBytes,
    log: createLogger({ service: "gateway", level: "error" }),
    ...overrides,
  });
}
