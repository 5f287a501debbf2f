/**
 * The stack a chaos run disrupts: the test harness's stack (nats-server, fresh databases, the
 * gateway and the services not named below, in this process) plus the named services as
 * supervised processes of their own, each with an HTTP face for its metrics, so they can be
 * killed, and can end themselves, without taking the run down.
 */
import { openDatabase, type ServiceDatabase } from "../shared/db/client.ts";
import { serviceNamed } from "../services/registry.ts";
import { backendServices, type Stack, startStack } from "../tests/harness/stack.ts";
import { freePort } from "../tests/harness/nats_server.ts";
import { type SupervisedProcess, supervisedProcess } from "./service_process.ts";

/** The running fleet, and how to reach each service's data and metrics. */
export interface Fleet {
  stack: Stack;
  /** The services run as processes, by name. */
  processes: Map<string, SupervisedProcess>;
  /** The services run in this process (stopped and started, never killed). */
  inProcess: string[];
  /** Where the processes' stderr goes, one file per service. */
  logDir: string;
  /** The text of `/metrics` of a service run as a process. */
  metrics(service: string): Promise<string>;
  /**
   * A service's database for the checks. On PGlite a process keeps its store to itself: call
   * `stopProcesses` first.
   */
  database(service: string): Promise<ServiceDatabase>;
  /** Ends every process gracefully and stops supervising them. */
  stopProcesses(): Promise<void>;
  close(): Promise<void>;
}

/** What the fleet runs: which services as processes, and the environment they all get. */
export interface FleetOptions {
  processes: string[];
  env: Record<string, string>;
  /** Retries before a dead letter, for the services run in this process. */
  delivery?: { maxDeliver?: number; backoffMs?: number[] };
  /** Postgres (the harness's DATABASE_URL by default); null for PGlite. */
  databaseUrl?: string | null;
  /** Called with the catalog's database before any service starts: the run adds its products. */
  prepareCatalog?: (database: ServiceDatabase) => Promise<void>;
}

/** Starts the fleet; throws when a service does not come up. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const inProcess = backendServices.filter((name) => !options.processes.includes(name));
  const catalogIsProcess = !inProcess.includes("catalog");
  const stack = await startStack({
    // The catalog's products go in before anyone reads them: started here only after that.
    services: inProcess.filter((name) => name !== "catalog"),
    env: options.env,
    databaseUrl: options.databaseUrl,
    delivery: options.delivery,
  });
  const logDir = await Deno.makeTempDir({ prefix: "chaos-logs-" });
  const migrationsOf = (name: string) => serviceNamed(name)!.migrations!;
  const openProcessStore = (name: string) =>
    stack.databases.driver === "postgres" ? stack.database(name) : openDatabase({
      service: name,
      migrations: migrationsOf(name),
      dataDir: stack.processDataDir,
    });
  const opened: ServiceDatabase[] = [];

  if (options.prepareCatalog) {
    const catalog = catalogIsProcess
      ? await openProcessStore("catalog")
      : await stack.database("catalog");
    await options.prepareCatalog(catalog);
    if (catalogIsProcess && stack.databases.driver === "pglite") await catalog.close();
  }
  if (!catalogIsProcess) await stack.start("catalog");

  const ports = new Map(options.processes.map((name) => [name, freePort()]));
  const processes = new Map(options.processes.map((name) => {
    const seed = stack.nats.seed(name);
    const env: Record<string, string> = {
      NATS_URL: stack.nats.url,
      DATA_DIR: stack.processDataDir,
      HTTP_PORT: String(ports.get(name)),
      ...stack.databases.url && { DATABASE_URL: stack.databases.url },
      ...stack.nats.caFile && { NATS_CA_FILE: stack.nats.caFile },
      ...seed && { NATS_NKEY_SEED: seed },
      ...options.env,
    };
    return [name, supervisedProcess(name, env, stack.nc, `${logDir}/${name}.log`)];
  }));
  await Promise.all([...processes.values()].map((process) => process.start()));

  let processesStopped = false;
  const stopProcesses = async () => {
    processesStopped = true;
    await Promise.all([...processes.values()].map((process) => process.stop()));
  };
  return {
    stack,
    processes,
    inProcess,
    logDir,
    metrics: async (service) => {
      const response = await fetch(`http://127.0.0.1:${ports.get(service)}/metrics`);
      return await response.text();
    },
    database: async (service) => {
      if (!processes.has(service)) return stack.database(service);
      if (!processesStopped && stack.databases.driver === "pglite") {
        throw new Error(
          `${service} keeps its PGlite store while it runs: stop the processes first`,
        );
      }
      const store = await openProcessStore(service);
      if (stack.databases.driver === "pglite") opened.push(store);
      return store;
    },
    stopProcesses,
    close: async () => {
      await stopProcesses();
      await Promise.all(opened.map((store) => store.close()));
      await stack.close();
    },
  };
}
