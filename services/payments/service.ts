/** The payments service: wallets, charges and refunds. */
import { inbox, outbox } from "../../db/payments/schema.ts";
import {
  catalogStream,
  ordersStream,
  paymentsApi,
  paymentsStream,
  usersStream,
} from "../../shared/contracts/mod.ts";
import { runService, type ServiceResources } from "../../shared/runtime/mod.ts";
import type { PaymentsConfig } from "./config.ts";
import { paymentsEndpoints } from "./endpoints.ts";
import { paymentsHandlers } from "./handlers.ts";

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
      streams: [
        { stream: usersStream, handlers: handlers.users }, // registered: open a wallet
        { stream: ordersStream, handlers: handlers.orders }, // placed: charge or decline
        { stream: catalogStream, handlers: handlers.catalog }, // rejected: refund
      ],
    },
    endpoints: () => paymentsEndpoints(resources.database.db, starting),
  }, resources);
}
