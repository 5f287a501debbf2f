/** The gateway: public HTTP in, typed NATS requests out. Owns no data. */
import type { NatsConnection } from "@nats-io/nats-core";
import { natsAnswers, rpcClient, serviceAnswers } from "../../shared/bus/mod.ts";
import {
  catalogApi,
  notificationsApi,
  ordersApi,
  paymentsApi,
  type RpcService,
  usersApi,
} from "../../shared/contracts/mod.ts";
import type { Logger } from "../../shared/log/mod.ts";
import type { RunningService } from "../../shared/runtime/mod.ts";
import { createGatewayApp } from "./app.ts";
import type { GatewayConfig } from "./config.ts";

export interface GatewayDeps {
  config: GatewayConfig;
  nc: NatsConnection;
  log: Logger;
}

/** Every service the gateway routes to: /ready asks each of them. */
const routedServices: RpcService[] = [
  usersApi,
  catalogApi,
  ordersApi,
  paymentsApi,
  notificationsApi,
];

export function startGateway({ config, nc, log }: GatewayDeps): Promise<RunningService> {
  const clients = { timeoutMs: config.RPC_TIMEOUT_MS };
  const app = createGatewayApp({
    users: rpcClient(nc, usersApi, clients),
    catalog: rpcClient(nc, catalogApi, clients),
    orders: rpcClient(nc, ordersApi, clients),
    payments: rpcClient(nc, paymentsApi, clients),
    notifications: rpcClient(nc, notificationsApi, clients),
    readiness: {
      nats: () => natsAnswers(nc),
      ...Object.fromEntries(
        routedServices.map((s) => [s.name, () => serviceAnswers(nc, s.name)]),
      ),
    },
    jwtSecret: config.JWT_SECRET,
    requestBudgetMs: config.REQUEST_BUDGET_MS,
    log,
  });
  return Promise.resolve({ fetch: app.fetch, stop: () => Promise.resolve() });
}
