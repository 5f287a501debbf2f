/**
 * What every service entry does: read config, connect, start, and stop cleanly on a signal.
 * The entry then serves `export default { fetch }`, under `deno serve` or an edge runtime.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { z } from "zod";
import { type Migration, openDatabase, type ServiceDatabase } from "../../db/client.ts";
import { connectNats } from "../bus/mod.ts";
import { baseConfig, loadConfig, redactUrl } from "../config/mod.ts";
import { createLogger, type Logger } from "../log/mod.ts";
import type { ServiceResources } from "./service.ts";

export interface RunningService {
  /**
   * The service's HTTP face: health, readiness and metrics; the gateway's is the public API.
   * `info` is Deno.serve's: the client's address, which the gateway's rate limits key by; a
   * request without it (in-process tests) counts as one unknown address.
   */
  fetch: (request: Request, info?: Deno.ServeHandlerInfo) => Response | Promise<Response>;
  /** Stops taking work and finishes what is in flight. */
  stop(): Promise<void>;
}

export interface BootContext<C> {
  config: C;
  nc: NatsConnection;
  log: Logger;
  /** How the service's event consumers deliver, from the environment (`EVENT_LANES`). */
  delivery: NonNullable<ServiceResources["delivery"]>;
  /** Opens the service's own database and applies its migrations; closed again on stop. */
  openDatabase(migrations: Migration[]): Promise<ServiceDatabase>;
}

type BaseConfig = z.infer<typeof baseConfig>;

/**
 * Boots a service from the environment. With HTTP_PORT it also serves HTTP; either way, on
 * SIGTERM or SIGINT it stops in order: readiness says draining, the HTTP server takes no new
 * connections and finishes the requests it has, the service answers what it took from NATS,
 * NATS drains, the database closes. Past STOP_TIMEOUT_MS it exits anyway.
 */
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
      delivery: { concurrency: config.EVENT_LANES },
      openDatabase: async (migrations) => {
        const database = await openDatabase({
          service: name,
          migrations,
          url: config.DATABASE_URL,
          dataDir: config.DATA_DIR,
        });
        databases.push(database);
        return database;
      },
    });
    let draining = false;
    const fetch = (request: Request, info?: Deno.ServeHandlerInfo) =>
      draining && new URL(request.url).pathname === "/ready"
        ? Response.json({ status: "draining" }, { status: 503 })
        : service.fetch(request, info);
    const server = config.HTTP_PORT === undefined ? null : Deno.serve({
      port: config.HTTP_PORT,
      onListen: ({ port }) => log.info("serving HTTP", { port }),
    }, fetch);
    stopOnSignal(log, config.STOP_TIMEOUT_MS, async () => {
      draining = true;
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

export { runService, type ServiceDefinition, type ServiceResources } from "./service.ts";
