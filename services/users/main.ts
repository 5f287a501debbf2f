import { migrations } from "../../db/users/migrations.ts";
import { bootService } from "../../shared/runtime/mod.ts";
import { usersConfig } from "./config.ts";
import { startUsers } from "./service.ts";

export default await bootService(
  "users",
  usersConfig,
  async ({ config, nc, log, openDatabase }) =>
    startUsers({ config, nc, log, database: await openDatabase(migrations) }),
);
