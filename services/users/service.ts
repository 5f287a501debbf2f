/** The users service: accounts and credentials. Serves register, login, get profile. */
import type { NatsConnection } from "@nats-io/nats-core";
import type { ServiceDatabase } from "../../db/client.ts";
import { outbox } from "../../db/users/schema.ts";
import { ensureStream, natsAnswers, serveRpc } from "../../shared/bus/mod.ts";
import { usersApi, usersStream } from "../../shared/contracts/mod.ts";
import { opsRoutes } from "../../shared/health/mod.ts";
import type { Logger } from "../../shared/log/mod.ts";
import { startOutboxRelay } from "../../shared/outbox/mod.ts";
import type { RunningService } from "../../shared/runtime/mod.ts";
import type { UsersConfig } from "./config.ts";
import { usersEndpoints } from "./endpoints.ts";

export const version = "0.1.0";

/** Serves usersApi; publishes userRegistered on usersStream. */
export interface UsersDeps {
  config: UsersConfig;
  nc: NatsConnection;
  database: ServiceDatabase;
  log: Logger;
}

export async function startUsers(
  { config, nc, database, log }: UsersDeps,
): Promise<RunningService> {
  await ensureStream(nc, usersStream);
  const relay = startOutboxRelay({ db: database.db, table: outbox, nc, log });
  const rpc = await serveRpc(
    nc,
    usersApi,
    usersEndpoints({ db: database.db, relay, config }),
    { version, log, description: "accounts, passwords, access tokens" },
  );
  const ops = opsRoutes({ nats: () => natsAnswers(nc), database: database.ping });
  return {
    fetch: ops.fetch,
    stop: async () => {
      await rpc.stop();
      await relay.stop();
    },
  };
}
