import { migrations } from "../../db/catalog/migrations.ts";
import { bootService } from "../../shared/runtime/mod.ts";
import { catalogConfig } from "./config.ts";
import { startCatalog } from "./service.ts";

export default await bootService(
  "catalog",
  catalogConfig,
  async ({ nc, log, delivery, openDatabase }) =>
    startCatalog({ nc, log, delivery, database: await openDatabase(migrations) }),
);
