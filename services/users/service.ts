/** The users service: accounts and credentials. */
import { outbox } from "./db/schema.ts";
import { usersApi, usersStream } from "../../shared/contracts/mod.ts";
import { runService, type ServiceModule, type ServiceResources } from "../../shared/runtime/mod.ts";
import { type UsersConfig, usersConfig } from "./config.ts";
import { usersEndpoints } from "./endpoints.ts";
import { passwordHashing } from "./hashing.ts";
import { migrations } from "./db/migrations.ts";

export const version = "0.1.0";

export function startUsers({ config, ...resources }: ServiceResources & { config: UsersConfig }) {
  const passwords = passwordHashing({
    iterations: config.PASSWORD_ITERATIONS,
    concurrency: config.PASSWORD_HASH_CONCURRENCY,
    maxQueue: config.PASSWORD_HASH_QUEUE,
  });
  return runService({
    api: usersApi,
    version,
    description: "accounts, passwords, access tokens",
    publishes: { stream: usersStream, outbox }, // users.user.registered
    endpoints: ({ relay }) =>
      usersEndpoints({ db: resources.database.db, relay, config, passwords }),
  }, resources);
}

/** The users service, as its entry boots it and the registry lists it. */
export const users: ServiceModule<UsersConfig> = {
  name: "users",
  port: 8081,
  config: usersConfig,
  migrations,
  start: async ({ config, nc, log, openDatabase }) =>
    startUsers({ config, nc, log, database: await openDatabase() }),
};
