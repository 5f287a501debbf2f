/**
 * The history service: each user's order history, a read model built only from the ORDERS
 * stream. It owns nothing else, so it can be emptied and rebuilt from the stream at any time.
 */
import { inbox, orderHistory } from "./db/schema.ts";
import { historyApi, ordersStream, pageAsked } from "../../shared/contracts/mod.ts";
import { runService, type ServiceModule, type ServiceResources } from "../../shared/runtime/mod.ts";
import { historyHandlers } from "./handlers.ts";
import { historyOf, totalsOf } from "./store.ts";
import { migrations } from "./db/migrations.ts";
import { baseConfig } from "../../shared/config/mod.ts";

export const version = "0.1.0";

export function startHistory(resources: ServiceResources) {
  const { db } = resources.database;
  return runService({
    api: historyApi,
    version,
    description: "order history per user, a read model rebuilt from ORDERS",
    reactsTo: {
      inbox,
      streams: [
        // placed, confirmed, cancelled; a row per order
        { stream: ordersStream, handlers: historyHandlers.orders, independentKeys: true },
      ],
    },
    readModel: { tables: [orderHistory] },
    endpoints: () => ({
      orderHistory: async ({ userId, ...page }) => {
        const [history, totals] = await Promise.all([
          historyOf(db, userId, pageAsked(page)),
          totalsOf(db, userId),
        ]);
        return { ...history, totals };
      },
    }),
  }, resources);
}

/** The history service, as its entry boots it and the registry lists it. */
export const history: ServiceModule = {
  name: "history",
  port: 8086,
  config: baseConfig,
  migrations,
  bus: { serves: historyApi, reactsTo: [ordersStream] },
  start: async ({ nc, log, delivery, openDatabase }) =>
    startHistory({ nc, log, delivery, database: await openDatabase() }),
};
