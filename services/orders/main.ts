import { migrations } from "../../db/orders/migrations.ts";
import { bootService } from "../../shared/runtime/mod.ts";
import { ordersConfig } from "./config.ts";
import { startOrders } from "./service.ts";

export default await bootService(
  "orders",
  ordersConfig,
  async ({ config, nc, log, openDatabase }) =>
    startOrders({ config, nc, log, database: await openDatabase(migrations) }),
);
