/**
 * What every service entry does: read config, connect, start, and stop cleanly on a signal.
 * The entry then serves `export default { fetch }`, under `deno serve` or an edge runtime.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type * as z from "zod";
import { type Migration, openDatabase, type ServiceDatabase } from "../db/client.ts";
import { connectNats, pinStreamReplicas } from "../bus/mod.ts";
import { baseConfig, loadConfig, redactUrl } from "../config/mod.ts";
import { createLogger, type Logger } from "../log/mod.ts";
import type { RunningService, ServiceResources } from "./service.ts";
import { type BusUse, checkBusUse } from "./bus_use.ts";

/**
 * What `bootService` hands a service module's `start`: its parsed config (`C`), its NATS
 * connection, its logger, the consumers' delivery settings, and how to open its database.
 */
export interface BootContext<C> {
  config: C;
  nc: NatsConnection;
  log: Logger;
  /** How the service's event consumers deliver, from the environment (`EVENT_LANES`). */
  delivery: NonNullable<ServiceResources["delivery"]>;
  /**
   * The service's own database, opened (while NATS connected) with its module's migrations
   * applied, or checked when MIGRATE_ON_START=false; closed again on stop. Throws for a service
   * whose module has no migrations (it owns no data), and what opening threw.
   */
  openDatabase(): Promise<ServiceDatabase>;
}

type BaseConfig = z.infer<typeof baseConfig>;

/**
 * What a service is, in one value its folder exports (`services/<name>/service.ts`): what its
 * entry boots, what the registry (services/registry.ts) lists and the test stack starts.
 */
export interface ServiceModule<C extends BaseConfig = BaseConfig> {
  /** Its name on NATS (`rpc.<name>.*`), in logs, in `<NAME>_DATABASE_URL` and its schema. */
  name: string;
  /** The port its HTTP face (health, readiness, metrics) listens on under `deno task dev`. */
  port: number;
  /** Its configuration, parsed from the environment at boot (zod; shared/config). */
  config: z.ZodType<C>;
  /** Applied to its database before it starts; null for a service that owns no data. */
  migrations: Migration[] | null;
  /**
   * What it does on NATS: its identity's permissions are generated from this, and the boot
   * refuses to run a service whose `runService` runs something else (`checkBusUse`).
   */
  bus: BusUse;
  /** Starts it: what serves its endpoints, consumers and HTTP face until `stop()`. */
  start(context: BootContext<C>): Promise<RunningService>;
}

/**
 * Boots a service from the environment: connects to NATS and opens its database at the same time
 * (migrating it, or with MIGRATE_ON_START=false refusing one that is behind), then starts it. With
 * HTTP_PORT it also serves HTTP; either way, on
 * SIGTERM or SIGINT it stops in order: readiness says draining (503) while it still serves for
 * DRAIN_DELAY_MS, the HTTP server takes no new connections and finishes the requests it has, the
 * service answers what it took from NATS (its twins in the queue group take the rest), NATS
 * drains, the database closes. Past DRAIN_DELAY_MS + STOP_TIMEOUT_MS it exits anyway.
 */
export async function bootService<C extends BaseConfig>(
  { name, config: schema, migrations, start, bus }: ServiceModule<C>,
): Promise<{ fetch: RunningService["fetch"] }> {
  const config = loadConfig(name, schema);
  const log = createLogger({ service: name, level: config.LOG_LEVEL });
  const databases: ServiceDatabase[] = [];
  // Opened while NATS connects: a cold start pays the longer of the two, not their sum.
  const opening = migrations && openDatabase({
    service: name,
    migrations,
    url: config.DATABASE_URL,
    migrationUrl: config.MIGRATION_DATABASE_URL,
    dataDir: config.DATA_DIR,
    migrate: config.MIGRATE_ON_START,
    poolSize: config.DATABASE_POOL_SIZE,
  }).then((database) => {
    databases.push(database);
    return database;
  });
  opening?.catch(() => {}); // awaited by `start`; a failure is reported there
  try {
    const nc = await connectNats(config.NATS_URL, name, config.NATS_NKEY_SEED, {
      caFile: config.NATS_CA_FILE,
    });
    if (config.JETSTREAM_REPLICAS) pinStreamReplicas(nc, config.JETSTREAM_REPLICAS);
    const service = await start({
      config,
      nc,
      log,
      delivery: { concurrency: config.EVENT_LANES },
      openDatabase: () => {
        if (!opening) throw new Error(`${name} has no migrations: it owns no database`);
        return opening;
      },
    });
    if (service.bus) checkBusUse(name, bus, service.bus);
    let draining = false;
    const fetch = (request: Request, info?: Deno.ServeHandlerInfo) =>
      draining && new URL(request.url).pathname === "/ready"
        ? Response.json({ status: "draining" }, { status: 503 })
        : service.fetch(request, info);
    const server = config.HTTP_PORT === undefined ? null : Deno.serve({
      port: config.HTTP_PORT,
      hostname: config.HTTP_HOST,
      onListen: ({ hostname, port }) => log.info("serving HTTP", { hostname, port }),
    }, fetch);
    stopOnSignal(log, config.STOP_TIMEOUT_MS + config.DRAIN_DELAY_MS, async () => {
      // Not ready first, still serving: a load balancer stops sending before the port closes.
      draining = true;
      if (config.DRAIN_DELAY_MS) {
        await new Promise((r) => setTimeout(r, config.DRAIN_DELAY_MS));
      }
      await server?.shutdown();
      await service.stop();
      await nc.drain();
      await Promise.all(databases.map((database) => database.close()));
    });
    log.info("started", {
      nats: redactUrl(config.NATS_URL),
      database: databases[0]?.driver ?? "none",
    });
    // `deno run` warns "did you mean deno serve" when the main module's default export has an
    // own `fetch` (Deno's runtime/js/99_main.js, registerDeclarativeServer). With HTTP_PORT the
    // service serves itself, so the entry's `fetch` is inherited instead: no warning, still callable.
    return server ? Object.create({ fetch }) : { fetch };
  } catch (error) {
    log.error("could not start", { error });
    Deno.exit(1);
  }
}

function stopOnSignal(log: Logger, timeoutMs: number, stop: () => Promise<void>) {
  let stopping = false;
  const onSignal = async () => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    log.info("stopping");
    const timer = setTimeout(() => {
      log.error("did not stop in time; exiting", { timeoutMs });
      Deno.exit(1);
    }, timeoutMs);
    try {
      await stop();
    } catch (error) {
      log.error("stop failed", { error });
    }
    clearTimeout(timer);
    log.info("stopped", { ms: Date.now() - started });
    Deno.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, onSignal);
}

export { type BusUse, type BusUseRun, checkBusUse } from "./bus_use.ts";
export { type PeriodicScope, type PeriodicWork } from "./periodic.ts";
export { kitPurges, type KitRetention, purgeWork } from "./retention.ts";
export {
  type RunningService,
  runService,
  type ServiceDefinition,
  type ServiceResources,
} from "./service.ts";
export {
  type EndpointContext,
  type EndpointHandlers,
  type StatementScope,
  type Transact,
  transactionFor,
  type TransactionScope,
  withTransactions,
} from "./transaction.ts";
