import { baseConfig } from "../../shared/config/mod.ts";
import { migrations } from "../../db/notifications/migrations.ts";
import { bootService } from "../../shared/runtime/mod.ts";
import { startNotifications } from "./service.ts";

export default await bootService(
  "notifications",
  baseConfig,
  async ({ nc, log, delivery, openDatabase }) =>
    startNotifications({ nc, log, delivery, database: await openDatabase(migrations) }),
);
