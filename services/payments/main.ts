import { migrations } from "../../db/payments/migrations.ts";
import { bootService } from "../../shared/runtime/mod.ts";
import { paymentsConfig } from "./config.ts";
import { startPayments } from "./service.ts";

export default await bootService(
  "payments",
  paymentsConfig,
  async ({ config, nc, log, openDatabase }) =>
    startPayments({ config, nc, log, database: await openDatabase(migrations) }),
);
