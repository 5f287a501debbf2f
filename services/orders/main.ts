import { migrations } from "../../db/orders/migrations.ts";
import { bootService } from "../../shared/runtime/mod.ts";
import { ordersConfig } from "./config.ts";
import { startOrders } from "./service.ts";

export default await bootService(
  "orders",
  ordersConfig,
  async ({ config, nc, log, delivery, openDatabase }) =>
    startOrders({ config, nc, log, delivery, database: await openDatabase(migrations) }),
);
