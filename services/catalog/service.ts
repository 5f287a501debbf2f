/** The catalog service: products, prices and stock. Serves list, get and quote. */
import type { NatsConnection } from "@nats-io/nats-core";
import type { ServiceDatabase } from "../../db/client.ts";
import { natsAnswers, serveRpc } from "../../shared/bus/mod.ts";
import { catalogApi } from "../../shared/contracts/mod.ts";
import { opsRoutes } from "../../shared/health/mod.ts";
import type { Logger } from "../../shared/log/mod.ts";
import type { RunningService } from "../../shared/runtime/mod.ts";
import { catalogEndpoints } from "./endpoints.ts";
import { seedCatalog } from "./seed.ts";

export const version = "0.1.0";

export interface CatalogDeps {
  nc: NatsConnection;
  database: ServiceDatabase;
  log: Logger;
}

/** Serves catalogApi. */
export async function startCatalog({ nc, database, log }: CatalogDeps): Promise<RunningService> {
  await seedCatalog(database.db);
  const rpc = await serveRpc(nc, catalogApi, catalogEndpoints(database.db), {
    version,
    log,
    description: "products, prices, stock",
  });
  const ops = opsRoutes({ nats: () => natsAnswers(nc), database: database.ping });
  return { fetch: ops.fetch, stop: async () => void await rpc.stop() };
}
