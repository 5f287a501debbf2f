/**
 * What every service entry does: read config, connect, start, and stop cleanly on a signal.
 * The entry then serves `export default { fetch }`, under `deno serve` or an edge runtime.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { z } from "zod";
import { openDatabase, type ServiceDatabase } from "../../db/client.ts";
import { connectNats } from "../bus/mod.ts";
import { baseConfig, loadConfig } from "../config/mod.ts";
import { createLogger, type Logger } from "../log/mod.ts";

export interface RunningService {
  /** The service's HTTP face: health, readiness and metrics; the gateway's is the public API. */
  fetch: (request: Request) => Response | Promise<Response>;
  /** Stops taking work and finishes what is in flight. */
  stop(): Promise<void>;
}

export interface BootContext<C> {
  config: C;
  nc: NatsConnection;
  log: Logger;
  /** Opens the service's own database (and migrates it); closed again on stop. */
  openDatabase(): Promise<ServiceDatabase>;
}

type BaseConfig = z.infer<typeof baseConfig>;

const stopTimeoutMs = 10_000;

export async function bootService<S extends z.ZodType<BaseConfig>>(
  name: string,
  schema: S,
  start: (context: BootContext<z.infer<S>>) => Promise<RunningService>,
): Promise<{ fetch: RunningService["fetch"] }> {
  const config = loadConfig(name, schema);
  const log = createLogger({ service: name, level: config.LOG_LEVEL });
  const databases: ServiceDatabase[] = [];
  try {
    const nc = await connectNats(config.NATS_URL, name);
    const service = await start({
      config,
      nc,
      log,
      openDatabase: async () => {
        const database = await openDatabase({
          service: name,
          url: config.DATABASE_URL,
          dataDir: config.DATA_DIR,
        });
        databases.push(database);
        return database;
      },
    });
    stopOnSignal(log, async () => {
      await service.stop();
      await nc.drain();
      await Promise.all(databases.map((database) => database.close()));
    });
    log.info("started", { nats: config.NATS_URL, database: databases[0]?.driver ?? "none" });
    return { fetch: service.fetch };
  } catch (error) {
    log.error("could not start", { error });
    Deno.exit(1);
  }
}

function stopOnSignal(log: Logger, stop: () => Promise<void>) {
  let stopping = false;
  const onSignal = async () => {
    if (stopping) return;
    stopping = true;
    log.info("stopping");
    const timer = setTimeout(() => {
      log.error("did not stop in time; exiting");
      Deno.exit(1);
    }, stopTimeoutMs);
    try {
      await stop();
    } catch (error) {
      log.error("stop failed", { error });
    }
    clearTimeout(timer);
    Deno.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, onSignal);
}

export { runService, type ServiceDefinition, type ServiceResources } from "./service.ts";
