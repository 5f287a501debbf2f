/** The notifications service: the messages users were sent. Publishes nothing. */
import { inbox } from "./db/schema.ts";
import { notificationsApi, ordersStream, pageAsked } from "../../shared/contracts/mod.ts";
import { runService, type ServiceModule, type ServiceResources } from "../../shared/runtime/mod.ts";
import { notificationsHandlers } from "./handlers.ts";
import { notificationsFor } from "./store.ts";
import { migrations } from "./db/migrations.ts";
import { baseConfig } from "../../shared/config/mod.ts";

export const version = "0.1.0";

export function startNotifications(resources: ServiceResources) {
  const { db } = resources.database;
  return runService({
    api: notificationsApi,
    version,
    description: "notifications sent to users",
    reactsTo: {
      inbox,
      streams: [
        // confirmed, cancelled; a notification per event
        { stream: ordersStream, handlers: notificationsHandlers.orders, independentKeys: true },
      ],
    },
    endpoints: () => ({
      listNotifications: ({ userId, ...page }) => notificationsFor(db, userId, pageAsked(page)),
    }),
  }, resources);
}

/** The notifications service, as its entry boots it and the registry lists it. */
export const notifications: ServiceModule = {
  name: "notifications",
  port: 8085,
  config: baseConfig,
  migrations,
  bus: { serves: notificationsApi, reactsTo: [ordersStream] },
  start: async ({ nc, log, delivery, openDatabase }) =>
    startNotifications({ nc, log, delivery, database: await openDatabase() }),
};
