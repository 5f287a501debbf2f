import { migrations } from "../../db/payments/migrations.ts";
import { bootService } from "../../shared/runtime/mod.ts";
import { paymentsConfig } from "./config.ts";
import { startPayments } from "./service.ts";

export default await bootService(
  "payments",
  paymentsConfig,
  async ({ config, nc, log, delivery, openDatabase }) =>
    startPayments({ config, nc, log, delivery, database: await openDatabase(migrations) }),
);
