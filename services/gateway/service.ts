/** The gateway: public HTTP in, typed NATS requests out. Owns no data. */
import { connectNats, natsAnswers, pinStreamReplicas, rpcClient } from "../../shared/bus/mod.ts";
import { operatorName } from "../../shared/operator/mod.ts";
import { serviceReady } from "../../shared/health/mod.ts";
import {
  catalogApi,
  historyApi,
  notificationsApi,
  ordersApi,
  paymentsApi,
  usersApi,
} from "../../shared/contracts/mod.ts";
import { BreakerRegistry, defaultRetryPolicy } from "../../shared/resilience/mod.ts";
import { reportBreakers } from "../../shared/telemetry/mod.ts";
import type { BootContext, RunningService, ServiceModule } from "../../shared/runtime/mod.ts";
import { createGatewayApp } from "./app.ts";
import { downstreamContracts, downstreamServices } from "./downstream.ts";
import { serviceStatsText } from "./service_stats.ts";
import { TokenBuckets } from "./rate_limit.ts";
import { accessTokens } from "./authentication.ts";
import { TokenKeys } from "./token_keys.ts";
import { type GatewayConfig, gatewayConfig } from "./config.ts";

/**
 * Starts the gateway from the part of its boot context it uses (the app's own dependencies are
 * `GatewayDeps` in app.ts): RPC clients behind breakers, readiness, rate limits, the Hono app.
 */
export async function startGateway(
  { config, nc, log }: Pick<BootContext<GatewayConfig>, "config" | "nc" | "log">,
): Promise<RunningService> {
  const breakers = new BreakerRegistry({
    failureThreshold: config.BREAKER_FAILURE_THRESHOLD,
    coolDownMs: config.BREAKER_COOL_DOWN_MS,
  });
  reportBreakers("gateway", breakers);
  const clients = {
    timeoutMs: config.RPC_TIMEOUT_MS,
    breakers,
    retry: { ...defaultRetryPolicy, attempts: config.RETRY_ATTEMPTS },
  };
  // Asked without the breaker or retries: a gateway waiting for users must not open users'
  // breaker for the logins, and it asks again anyway (token_keys.ts).
  const keysClient = rpcClient(nc, usersApi, { timeoutMs: config.RPC_TIMEOUT_MS });
  const keys = new TokenKeys({
    fetch: () => keysClient.publicKeys({}),
    refreshMs: config.TOKEN_KEYS_REFRESH_MS,
    log,
  });
  await keys.start();
  // The admin routes act as the operator, on a connection of that identity's own.
  const operatorNc = config.OPERATOR_NKEY_SEED
    ? await connectNats(config.NATS_URL, operatorName, config.OPERATOR_NKEY_SEED, {
      caFile: config.NATS_CA_FILE,
    })
    : nc;
  // What the operator makes (AUDIT, the FAULTS bucket) is replicated as the services' streams.
  if (config.JETSTREAM_REPLICAS) pinStreamReplicas(operatorNc, config.JETSTREAM_REPLICAS);
  const app = createGatewayApp({
    users: rpcClient(nc, usersApi, clients),
    catalog: rpcClient(nc, catalogApi, clients),
    orders: rpcClient(nc, ordersApi, clients),
    payments: rpcClient(nc, paymentsApi, clients),
    notifications: rpcClient(nc, notificationsApi, clients),
    history: rpcClient(nc, historyApi, clients),
    readiness: {
      nats: () => natsAnswers(nc),
      // Until the users service's public keys are known every token is answered 503: not ready.
      "token keys": () =>
        keys.known ? Promise.resolve() : Promise.reject(new Error("not known yet")),
      // The gateway routes to every service: /ready asks each whether it is ready (its
      // database answers, its consumers fetch), not only whether it answers.
      ...Object.fromEntries(
        downstreamServices.map((name) => [name, () => serviceReady(nc, name)]),
      ),
    },
    breakers,
    serviceStats: () => serviceStatsText(nc, downstreamServices),
    nc: operatorNc,
    tokens: accessTokens(keys, { issuer: config.TOKEN_ISSUER, audience: config.TOKEN_AUDIENCE }),
    rateLimits: new TokenBuckets({
      burst: config.RATE_LIMIT_BURST,
      perSecond: config.RATE_LIMIT_PER_SECOND,
    }),
    credentialLimits: new TokenBuckets({
      burst: config.AUTH_RATE_LIMIT_BURST,
      perSecond: config.AUTH_RATE_LIMIT_PER_SECOND,
    }),
    requestBudgetMs: config.REQUEST_BUDGET_MS,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    log,
  });
  return {
    fetch: app.fetch,
    stop: async () => {
      keys.stop();
      // Closed, not drained: the HTTP requests that used it are done, and NATS may be down.
      if (operatorNc !== nc) await operatorNc.close();
    },
  };
}

/** The gateway, as its entry boots it and the registry lists it. It owns no database. */
export const gateway: ServiceModule<GatewayConfig> = {
  name: "gateway",
  port: 8080,
  config: gatewayConfig,
  migrations: null,
  // It serves no RPC of its own: it calls the services it routes to.
  bus: { calls: downstreamContracts },
  start: startGateway,
};
