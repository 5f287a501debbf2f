/** The orders service: orders, their lines, idempotency keys and timelines. */
import { inbox, outbox } from "./db/schema.ts";
import { rpcClient } from "../../shared/bus/mod.ts";
import {
  catalogApi,
  catalogStream,
  ordersApi,
  ordersStream,
  paymentsStream,
} from "../../shared/contracts/mod.ts";
import {
  BreakerRegistry,
  defaultBreakerOptions,
  defaultRetryPolicy,
} from "../../shared/resilience/mod.ts";
import { runService, type ServiceModule, type ServiceResources } from "../../shared/runtime/mod.ts";
import { reportBreakers } from "../../shared/telemetry/mod.ts";
import { type OrdersConfig, ordersConfig } from "./config.ts";
import { ordersEndpoints } from "./endpoints.ts";
import { sagaOperations } from "./sagas.ts";
import { sagaOperationsApi } from "../../shared/contracts/saga_operations.ts";
import { ordersHandlers } from "./handlers.ts";
import { deadlineSweep } from "./deadline_sweep.ts";
import { ordersPurges, type OrdersRetention } from "./retention.ts";
import { migrations } from "./db/migrations.ts";

export const version = "0.1.0";

export function startOrders(
  { config, ...resources }: ServiceResources & {
    config:
      & Pick<OrdersConfig, "RPC_TIMEOUT_MS" | "SAGA_DEADLINE_MS" | "SAGA_DEADLINE_SWEEP_MS">
      & OrdersRetention;
  },
) {
  const breakers = new BreakerRegistry(defaultBreakerOptions);
  reportBreakers("orders", breakers);
  const catalog = rpcClient(resources.nc, catalogApi, {
    timeoutMs: config.RPC_TIMEOUT_MS,
    breakers,
    retry: defaultRetryPolicy,
  });
  return runService({
    // Its API, and the operator's view of its sagas (ops.orders.sagas.*).
    api: { ...ordersApi, endpoints: { ...ordersApi.endpoints, ...sagaOperationsApi.endpoints } },
    version,
    description: "orders, idempotency keys, order timelines",
    // orders.order.placed, orders.order.confirmed, orders.order.cancelled
    publishes: { stream: ordersStream, outbox },
    reactsTo: {
      inbox,
      // Each event touches its own order's rows: different orders go side by side in a batch.
      streams: [
        // charged, declined, refunded, refund failed
        { stream: paymentsStream, handlers: ordersHandlers.payments, independentKeys: true },
        // reserved, rejected, released, release failed
        { stream: catalogStream, handlers: ordersHandlers.catalog, independentKeys: true },
      ],
    },
    endpoints: () => ({
      ...ordersEndpoints({
        db: resources.database.db,
        catalog,
        sagaDeadlineMs: config.SAGA_DEADLINE_MS,
      }),
      ...sagaOperations({ db: resources.database.db }),
    }),
    // Pending orders past their deadline: cancelled (timed_out), in every instance.
    periodic: [
      deadlineSweep(config.SAGA_DEADLINE_SWEEP_MS),
      // Keys and ended orders' timelines past their retention.
      ...ordersPurges(resources.database.db, config),
    ],
  }, resources);
}

/** The orders service, as its entry boots it and the registry lists it. */
export const orders: ServiceModule<OrdersConfig> = {
  name: "orders",
  port: 8083,
  config: ordersConfig,
  migrations,
  bus: {
    serves: ordersApi,
    publishes: ordersStream,
    reactsTo: [paymentsStream, catalogStream],
    calls: [catalogApi],
  },
  start: async ({ config, nc, log, delivery, openDatabase }) =>
    startOrders({ config, nc, log, delivery, database: await openDatabase() }),
};
