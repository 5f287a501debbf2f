import { baseConfig } from "../../shared/config/mod.ts";
import { migrations } from "../../db/history/migrations.ts";
import { bootService } from "../../shared/runtime/mod.ts";
import { startHistory } from "./service.ts";

export default await bootService(
  "history",
  baseConfig,
  async ({ nc, log, delivery, openDatabase }) =>
    startHistory({ nc, log, delivery, database: await openDatabase(migrations) }),
);
