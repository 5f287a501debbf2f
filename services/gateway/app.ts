/**
 * The gateway's public HTTP API: the only entry clients use. Every route declares itself
 * (`createRoute`, here and in routes/*.ts) with its bodies, parameters and errors; the OpenAPI
 * document served at /openapi.json is generated from those declarations (openapi.ts).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { NatsConnection } from "@nats-io/nats-core";
import { trace } from "@opentelemetry/api";
import type { MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import type { RpcClient } from "../../shared/bus/mod.ts";
import type {
  catalogApi,
  historyApi,
  notificationsApi,
  ordersApi,
  paymentsApi,
  usersApi,
} from "../../shared/contracts/mod.ts";
import { maxCorrelationIdLength } from "../../shared/contracts/mod.ts";
import { checkReadiness, type ReadinessCheck } from "../../shared/health/mod.ts";
import type { Logger } from "../../shared/log/mod.ts";
import type { BreakerRegistry } from "../../shared/resilience/mod.ts";
import { activeTraceIds } from "../../shared/telemetry/mod.ts";
import { type AccessTokens, requireToken } from "./authentication.ts";
import { boundedBody } from "./body.ts";
import { CatalogSnapshot } from "./catalog_snapshot.ts";
import { docsRoutes } from "./docs.ts";
import type { GatewayEnv } from "./context.ts";
import { httpMetrics } from "./metrics.ts";
import { openApiDocument, operation, routeGroup } from "./openapi.ts";
import { errorToProblem, problem } from "./problem.ts";
import { addressRateLimit, rateLimit, type TokenBuckets } from "./rate_limit.ts";
import { adminRoutes } from "./routes/admin.ts";
import { authRoutes } from "./routes/auth.ts";
import { historyRoutes } from "./routes/history.ts";
import { notificationRoutes } from "./routes/notifications.ts";
import { orderRoutes } from "./routes/orders.ts";
import { productRoutes } from "./routes/products.ts";
import { walletRoutes } from "./routes/wallet.ts";

export interface GatewayDeps {
  users: RpcClient<typeof usersApi.endpoints>;
  catalog: RpcClient<typeof catalogApi.endpoints>;
  orders: RpcClient<typeof ordersApi.endpoints>;
  payments: RpcClient<typeof paymentsApi.endpoints>;
  notifications: RpcClient<typeof notificationsApi.endpoints>;
  history: RpcClient<typeof historyApi.endpoints>;
  /** NATS and every service the gateway routes to. */
  readiness: Record<string, ReadinessCheck>;
  /** The breakers before the services, shown in /ready. */
  breakers: BreakerRegistry;
  /** NATS, for the admin routes: streams, dead letters, the services' operations endpoints. */
  nc: NatsConnection;
  /** Every service instance's request stats, as Prometheus text (see service_stats.ts). */
  serviceStats: () => Promise<string>;
  /** Checks access tokens with the users service's public keys (authentication.ts). */
  tokens: AccessTokens;
  rateLimits: TokenBuckets;
  /** The stricter limit of login and register, by address (rate_limit.ts); none if absent. */
  credentialLimits?: TokenBuckets;
  requestBudgetMs: number;
  /** The largest request body read, in bytes (config BODY_LIMIT_BYTES). */
  bodyLimitBytes: number;
  log: Logger;
}

const health = createRoute({
  method: "get",
  path: "/health",
  ...operation({ summary: "200 while the process lives", ok: { status: 200 } }),
});

/**
 * `scope=self` asks about this gateway alone (its NATS connection): the probe that decides whether
 * a load balancer sends it traffic, as a gateway with one service down still serves the others'
 * routes (and answers 503 on that one's). Without it, every service it routes to is asked too.
 */
const readyQuery = z.object({ scope: z.enum(["self"]).optional() }).strict();

const ready = createRoute({
  method: "get",
  path: "/ready",
  request: { query: readyQuery },
  ...operation({
    summary: "200 when NATS and every routed service answer (with scope=self, NATS alone); " +
      "503 naming what is missing",
    ok: { status: 200 },
    errors: [400, 503],
  }),
});

const metrics = createRoute({
  method: "get",
  path: "/metrics",
  ...operation({ summary: "Prometheus text", ok: { status: 200 } }),
});

const serviceMetrics = createRoute({
  method: "get",
  path: "/metrics/services",
  ...operation({
    summary: "Every service instance's requests, errors and time, gathered over NATS",
    ok: { status: 200 },
  }),
});

const openApi = createRoute({
  method: "get",
  path: "/openapi.json",
  ...operation({ summary: "This document", ok: { status: 200 } }),
});

// Served by docs.ts's plain Hono group: documented here.
const docs = createRoute({
  method: "get",
  path: "/docs",
  ...operation({ summary: "This document, readable", ok: { status: 200 } }),
});

/**
 * The response header naming the request's trace (32 hex digits) when tracing is on: the server
 * span's trace, the caller's own when it sent a `traceparent`. Absent when tracing is off.
 */
export const traceIdHeader = "X-Trace-Id";

export function createGatewayApp(deps: GatewayDeps) {
  // The rate limit verifies a bearer token to key requests by user: once per request is enough.
  const authenticated = requireToken(deps.tokens);
  // Health, readiness and metrics stay outside: probes must never be refused.
  const limited = rateLimit(deps.rateLimits, deps.tokens);
  const credentialsLimited: MiddlewareHandler<GatewayEnv> = deps.credentialLimits
    ? addressRateLimit(deps.credentialLimits)
    : (_, next) => next();

  const app = routeGroup();
  app
    // No longer than the services and events carry (shared/contracts/fields.ts, correlationId).
    .use(requestId({ limitLength: maxCorrelationIdLength }))
    .use(async (c, next) => {
      const started = performance.now();
      // Which trace is theirs, for the dev dashboard or a collector; absent when nothing traces.
      const { traceId } = activeTraceIds();
      if (traceId) c.header(traceIdHeader, traceId);
      c.set("log", deps.log.child({ correlationId: c.var.requestId }));
      c.set("deadline", Date.now() + deps.requestBudgetMs);
      await next();
      // Deno names its server span after the method alone; the route says what was asked.
      trace.getActiveSpan()?.updateName(`${c.req.method} ${c.req.routePath}`);
      // Probes come every few seconds; they are worth a line only when debugging.
      const probe = ["/health", "/ready", "/metrics"].includes(c.req.path);
      c.var.log[probe ? "debug" : "info"]("request", {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      });
    })
    .use(httpMetrics.registerMetrics)
    // Every route, before anything reads the body: a declared Content-Length over the limit is
    // refused unread; a chunked body is read only up to the limit; a body not all in by the
    // request's deadline is 408 with `Connection: close` (RFC 9110 §15.5.9), reading stopped.
    .use(boundedBody({
      maxBytes: deps.bodyLimitBytes,
      onTooLarge: (c) =>
        problem(c, 413, `the body is larger than ${deps.bodyLimitBytes} bytes`, {
          limitBytes: deps.bodyLimitBytes,
        }),
      onTimeout: (c) => {
        c.header("Connection", "close");
        return problem(c, 408, `the body did not arrive within ${deps.requestBudgetMs} ms`, {
          limitMs: deps.requestBudgetMs,
        });
      },
      onUnreadable: (c) => problem(c, 400, "the body could not be read"),
    }));
  app
    .openapi(health, (c) => c.json({ status: "ok" }, 200))
    .openapi(ready, async (c) => {
      const { scope } = c.req.valid("query");
      const checks = scope === "self"
        ? Object.fromEntries(Object.entries(deps.readiness).filter(([name]) => name === "nats"))
        : deps.readiness;
      const report = await checkReadiness(checks);
      const breakers = Object.fromEntries(deps.breakers.all().map((b) => [b.name, b.state]));
      if (report.ready) return c.json({ status: "ready", checks: report.checks, breakers }, 200);
      // Not ready is an error like any other: problem+json, kind and Retry-After.
      const missing = Object.entries(report.checks).filter(([, check]) => check !== "ok");
      return problem(c, 503, `not ready: ${missing.map(([name]) => name).join(", ")}`, {
        checks: report.checks,
        breakers,
      });
    })
    .openapi(metrics, (c) => httpMetrics.printMetrics(c))
    .openapi(serviceMetrics, async (c) => {
      c.header("content-type", "text/plain; version=0.0.4");
      return c.body(await deps.serviceStats());
    })
    .openapi(openApi, (c) => c.json(document, 200));
  app.route("/docs", docsRoutes("/openapi.json"));
  app.openAPIRegistry.registerPath(docs);
  app
    .use("/auth/login", credentialsLimited)
    .use("/auth/register", credentialsLimited)
    .use("/auth/*", limited)
    .use("/products/*", limited)
    .use("/orders/*", limited)
    .use("/wallet/*", limited)
    .use("/notifications/*", limited)
    .use("/history", limited)
    .use("/admin/*", limited)
    .route("/auth", authRoutes(deps.users, authenticated))
    .route("/products", productRoutes(deps.catalog, new CatalogSnapshot()))
    .route("/orders", orderRoutes(deps.orders, authenticated))
    .route("/wallet", walletRoutes(deps.payments, authenticated))
    .route("/notifications", notificationRoutes(deps.notifications, authenticated))
    .route("/history", historyRoutes(deps.history, authenticated))
    .route("/admin", adminRoutes(deps.nc, authenticated));
  // Generated once, after every route has declared itself.
  const document = openApiDocument(app);

  const allowedOn = allowedMethods(app.routes);
  app.notFound((c) => {
    // The path as sent, cut short: an error need not carry back a 60 KB URL.
    const path = c.req.path.slice(0, 200);
    const allowed = allowedOn(c.req.path);
    if (allowed.length === 0) return problem(c, 404, `no route for ${c.req.method} ${path}`);
    c.header("Allow", allowed.join(", "));
    return problem(c, 405, `${path} takes ${allowed.join(", ")}, not ${c.req.method}`);
  });
  app.onError(errorToProblem);
  return app;
}

/**
 * The methods the routes have for a path (with HEAD wherever GET is), for a 405 and its `Allow`
 * header (RFC 9110 §15.5.6): a path that exists, asked with another method, is not a 404. The
 * paths match exactly as the router's do (strict: `/products/` is not `/products`), or a path
 * the router does not serve would be "405, takes GET, not GET".
 */
function allowedMethods(routes: { method: string; path: string }[]) {
  const patterns = routes
    .filter((route) => route.method !== "ALL") // middleware
    .map((route) => ({
      method: route.method,
      pattern: new RegExp(
        `^${route.path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/:\w+/g, "[^/]+")}$`,
      ),
    }));
  return (path: string): string[] => {
    const methods = new Set(patterns.filter((p) => p.pattern.test(path)).map((p) => p.method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
}
