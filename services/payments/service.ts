/** The payments service: wallets, charges and refunds. */
import { inbox, outbox } from "./db/schema.ts";
import {
  catalogStream,
  ordersStream,
  paymentsApi,
  paymentsStream,
  usersStream,
} from "../../shared/contracts/mod.ts";
import { runService, type ServiceModule, type ServiceResources } from "../../shared/runtime/mod.ts";
import { type PaymentsConfig, paymentsConfig } from "./config.ts";
import { paymentsEndpoints } from "./endpoints.ts";
import { paymentsHandlers } from "./handlers.ts";
import { migrations } from "./db/migrations.ts";

export const version = "0.1.0";

export function startPayments(
  { config, ...resources }:
    & ServiceResources
    & { config: Pick<PaymentsConfig, "STARTING_BALANCE_CENTS"> },
) {
  const starting = config.STARTING_BALANCE_CENTS;
  const handlers = paymentsHandlers(starting);
  return runService({
    api: paymentsApi,
    version,
    description: "wallets, charges, refunds",
    // payments.payment.charged, payments.payment.declined, payments.payment.refunded
    publishes: { stream: paymentsStream, outbox },
    reactsTo: {
      inbox,
      // Each event touches its own user's wallet and its own order's charge: different users
      // go side by side in a batch.
      streams: [
        // registered: open a wallet
        { stream: usersStream, handlers: handlers.users, independentKeys: true },
        // placed: charge or decline
        { stream: ordersStream, handlers: handlers.orders, independentKeys: true },
        // rejected: refund
        { stream: catalogStream, handlers: handlers.catalog, independentKeys: true },
      ],
    },
    endpoints: () => paymentsEndpoints(resources.database.db, starting),
  }, resources);
}

/** The payments service, as its entry boots it and the registry lists it. */
export const payments: ServiceModule<PaymentsConfig> = {
  name: "payments",
  port: 8084,
  config: paymentsConfig,
  migrations,
  bus: {
    serves: paymentsApi,
    publishes: paymentsStream,
    reactsTo: [usersStream, ordersStream, catalogStream],
  },
  start: async ({ config, nc, log, delivery, openDatabase }) =>
    startPayments({ config, nc, log, delivery, database: await openDatabase() }),
};
