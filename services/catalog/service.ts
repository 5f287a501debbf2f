/** The catalog service: products, prices, stock and reservations. */
import { inbox, outbox } from "./db/schema.ts";
import {
  catalogApi,
  catalogStream,
  ordersStream,
  paymentsStream,
} from "../../shared/contracts/mod.ts";
import { runService, type ServiceModule, type ServiceResources } from "../../shared/runtime/mod.ts";
import { catalogEndpoints } from "./endpoints.ts";
import { catalogHandlers } from "./handlers.ts";
import { seedCatalog } from "./seed.ts";
import { migrations } from "./db/migrations.ts";
import { catalogConfig } from "./config.ts";

export const version = "0.1.0";

export function startCatalog(resources: ServiceResources) {
  return runService({
    api: catalogApi,
    version,
    description: "products, prices, stock",
    // catalog.stock.reserved, catalog.stock.rejected, catalog.stock.released
    publishes: { stream: catalogStream, outbox },
    reactsTo: {
      inbox,
      // Not independent keys: orders of different users take the same products' stock, and
      // a reservation decides on the stock it read.
      streams: [
        { stream: paymentsStream, handlers: catalogHandlers.payments }, // charged: reserve
        { stream: ordersStream, handlers: catalogHandlers.orders }, // cancelled: release
      ],
    },
    endpoints: () => catalogEndpoints(resources.database.db),
    prepare: (database) => seedCatalog(database.db),
  }, resources);
}

/** The catalog service, as its entry boots it and the registry lists it. */
export const catalog: ServiceModule = {
  name: "catalog",
  port: 8082,
  config: catalogConfig,
  migrations,
  bus: { serves: catalogApi, publishes: catalogStream, reactsTo: [paymentsStream, ordersStream] },
  start: async ({ nc, log, delivery, openDatabase }) =>
    startCatalog({ nc, log, delivery, database: await openDatabase() }),
};
