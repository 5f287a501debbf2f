/** The users service: accounts and credentials. */
import { outbox } from "./db/schema.ts";
import { usersApi, usersStream } from "../../shared/contracts/mod.ts";
import { runService, type ServiceModule, type ServiceResources } from "../../shared/runtime/mod.ts";
import { type UsersConfig, usersConfig } from "./config.ts";
import { usersEndpoints } from "./endpoints.ts";
import { passwordHashing } from "./hashing.ts";
import { signingKeys } from "./keys.ts";
import { migrations } from "./db/migrations.ts";

export const version = "0.1.0";

export async function startUsers(
  { config, ...resources }: ServiceResources & { config: UsersConfig },
) {
  const keys = await signingKeys(config.TOKEN_SIGNING_KEY, config.TOKEN_RETIRED_KEYS);
  resources.log.info("signing tokens", {
    kid: keys.kid,
    published: keys.publicKeys().keys.map((key) => key.kid),
  });
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
    endpoints: () => usersEndpoints({ db: resources.database.db, config, passwords, keys }),
  }, resources);
}

/** The users service, as its entry boots it and the registry lists it. */
export const users: ServiceModule<UsersConfig> = {
  name: "users",
  port: 8081,
  config: usersConfig,
  migrations,
  bus: { serves: usersApi, publishes: usersStream },
  start: async ({ config, nc, log, openDatabase }) =>
    startUsers({ config, nc, log, database: await openDatabase() }),
};
