/**
 * One chaos run, start to end: a fleet (chaos/fleet.ts), a bounded load of orders (load.ts) while
 * services and nats-server are disrupted (disruptions.ts) and faults are injected (faults.ts);
 * then the faults are cleared, the stack drains (drain.ts), everything stops, and the invariants
 * are checked in the databases (invariants.ts). Resolves with the report; throws only when the
 * stack could not be started.
 */
import { v7 as uuidv7 } from "uuid";
import { products } from "../services/catalog/db/schema.ts";
import { outbox as catalogOutbox } from "../services/catalog/db/schema.ts";
import { seedCatalog } from "../services/catalog/seed.ts";
import { outbox as ordersOutbox } from "../services/orders/db/schema.ts";
import { outbox as paymentsOutbox } from "../services/payments/db/schema.ts";
import { outbox as usersOutbox } from "../services/users/db/schema.ts";
import { disrupt } from "./disruptions.ts";
import { drain, watchFailedSagas } from "./drain.ts";
import { clearAll, injectFaults } from "./faults.ts";
import { startFleet } from "./fleet.ts";
import { checkInvariants } from "./invariants.ts";
import { loadSkus, prepareShoppers, runLoad } from "./load.ts";
import { seededRandom } from "./random.ts";
import { type ChaosReport, passed } from "./report.ts";

/** How hard and how long a run pushes. */
export interface ChaosOptions {
  /** How long orders are placed, in ms. */
  loadMs: number;
  users: number;
  /** Orders a second at most. */
  rate: number;
  /** A disruption about every this many ms. */
  disruptEveryMs: number;
  /** A new hand of faults every this many ms; 0 for none. */
  faultEveryMs: number;
  /**
   * How long one compensation fails always, from the start: longer than its service's retries
   * take, so the saga goes to compensation_failed and the drain retries it; 0 for never.
   */
  holdMs: number;
  /** The compensation's fault point (default: one of chaos/faults.ts' `compensationPoints`). */
  holdPoint?: string;
  /** Retries before a dead letter, for the services run in this process (default: the kit's). */
  delivery?: { maxDeliver?: number; backoffMs?: number[] };
  /** The services run as processes (killed, stopped, ended by faults); the rest run in-process. */
  processes: string[];
  /** The longest the stack may take to come to rest after the load. */
  drainTimeoutMs: number;
  /** The orders' saga deadline (SAGA_DEADLINE_MS), short enough that some orders time out. */
  sagaDeadlineMs: number;
  seed: number;
  /** Postgres; null for PGlite; the harness's DATABASE_URL when absent. */
  databaseUrl?: string | null;
  /** Told what the run is doing, phase by phase (the CLI prints it). */
  progress?: (message: string) => void;
  /** Called with the fleet's stores before the check: a test corrupts them here (a mutation). */
  beforeCheck?: (stores: Awaited<ReturnType<typeof storesOf>>) => Promise<void>;
}

/** Every wallet opens with this: 1,000 hoodies (the load's declined order) cost more. */
const startingBalanceCents = 5_000_000;

/** The services that publish, and their outboxes: all must be empty at the end. */
const outboxes = {
  users: usersOutbox,
  orders: ordersOutbox,
  payments: paymentsOutbox,
  catalog: catalogOutbox,
};

/** Runs the chaos and checks it; see the module comment. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const random = seededRandom(options.seed);
  const began = Date.now();
  const progress = (message: string) =>
    options.progress?.(`${((Date.now() - began) / 1000).toFixed(1)} s: ${message}`);
  const initialStock = new Map<string, number>();
  const fleet = await startFleet({
    processes: options.processes,
    databaseUrl: options.databaseUrl,
    delivery: options.delivery,
    env: {
      STARTING_BALANCE_CENTS: String(startingBalanceCents),
      SAGA_DEADLINE_MS: String(options.sagaDeadlineMs),
      SAGA_DEADLINE_SWEEP_MS: "1000",
    },
    prepareCatalog: async ({ db }) => {
      await seedCatalog(db);
      await db.insert(products).values({
        id: uuidv7(),
        sku: loadSkus.plentiful,
        name: "Chaos run widget",
        priceCents: 100,
        stock: 1_000_000,
      }).onConflictDoNothing({ target: products.sku });
      for (const row of await db.select().from(products)) initialStock.set(row.id, row.stock);
    },
  });
  progress("stack started");
  let report: ChaosReport;
  try {
    const shoppers = await prepareShoppers(fleet.stack, options.users);
    progress(`${options.users} users signed up; load and disruptions start`);
    const loadStarted = Date.now();
    const stop = new Promise<void>((r) => setTimeout(r, options.loadMs));
    const [load, disruptions, failedDuringLoad, faults] = await Promise.all([
      runLoad(fleet.stack, shoppers, { rate: options.rate, stop }),
      disrupt(fleet, { everyMs: options.disruptEveryMs, stop, random }),
      watchFailedSagas(fleet, stop),
      options.faultEveryMs > 0
        ? injectFaults(fleet, {
          everyMs: options.faultEveryMs,
          rulesPerHand: 3,
          holdMs: options.holdMs,
          holdPoint: options.holdPoint,
          stop,
          random,
        })
        : new Map<string, number>(),
    ]);
    const loadMs = Date.now() - loadStarted;
    await clearAll(fleet);
    progress(`load stopped: ${load.placed.size} orders placed; faults cleared; draining`);
    const drained = await drain(fleet, outboxes, options.drainTimeoutMs);

    // Nothing may write while the databases are read: the processes end, the rest stop.
    await fleet.stopProcesses();
    for (const name of fleet.inProcess) await fleet.stack.stop(name);
    progress(drained.quiet ? "at rest; checking the databases" : "not at rest; checking anyway");
    const stores = await storesOf(fleet);
    await options.beforeCheck?.(stores);
    const checked = await checkInvariants({
      ...stores,
      outboxes: await Promise.all(
        Object.entries(outboxes).map(async ([service, table]) => ({
          service,
          table,
          db: (await fleet.database(service)).db,
        })),
      ),
      initialStock,
      kinds: load.placed,
    });
    report = {
      seed: options.seed,
      driver: fleet.stack.databases.driver,
      loadMs,
      processes: options.processes,
      orders: checked.orders,
      compensationFailed: [...new Set([...failedDuringLoad, ...drained.compensationFailed])],
      load: { placed: load.placed.size, refused: load.refused, retried: load.retried },
      disruptions,
      faults,
      deaths: Object.fromEntries(
        [...fleet.processes.values()].filter((p) => p.deaths > 0).map((p) => [p.name, p.deaths]),
      ),
      drain: drained,
      violations: checked.violations,
    };
  } finally {
    await fleet.close();
  }
  // The processes' logs are worth keeping only when something broke.
  if (passed(report)) await Deno.remove(fleet.logDir, { recursive: true }).catch(() => {});
  else report.logDir = fleet.logDir;
  return report;
}

/** The databases the checks read, by service. */
async function storesOf(fleet: Awaited<ReturnType<typeof startFleet>>) {
  const db = async (service: string) => (await fleet.database(service)).db;
  return {
    orders: await db("orders"),
    payments: await db("payments"),
    catalog: await db("catalog"),
    notifications: await db("notifications"),
    history: await db("history"),
  };
}
