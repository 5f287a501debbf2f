/**
 * The saga end to end: orders confirmed per second through the gateway, and placed-to-
 * confirmed latency at a fixed offered load, with Postgres and with PGlite; the same domain as
 * a modular monolith (monolith.ts) is the reference. The services run in this process, each
 * with its own NATS connection and schema, as the test harness runs them: what is measured is
 * the cost of the hops (request-reply, JetStream, outbox, inbox). On Postgres they also run as
 * processes of their own, as deployed, so that the work spreads over the cores. On Postgres
 * each is measured with NATS as before (no authorization), with NKey identities, and with
 * NKeys over TLS (bench/security.ts); the processes only in a full run.
 */
import { type BackendService, backendServices, startStack } from "../tests/harness/stack.ts";
import { drive } from "./rpc.ts";
import { edgeSagaRow } from "./edge_saga.ts";
import { inFlight, measuredSaga, offeredPerSecond } from "./saga_load.ts";
import { type Monolith, pgliteMonolith, postgresMonolith } from "./monolith.ts";
import { freshDatabase } from "./databases.ts";
import { cpuPer, readCpu } from "./cpu.ts";
import { type BenchOptions, percentile, type Row, type SuiteResult } from "./report.ts";
import { rowName, securities, type Security } from "./security.ts";

export async function sagaThroughput(options: BenchOptions): Promise<SuiteResult> {
  const total = options.quick ? 200 : 2000;
  const offeredSeconds = options.quick ? 1 : 10;
  const rows: Row[] = [];
  const [none] = securities;
  for (const driver of ["postgres", "pglite"] as const) {
    if (driver === "postgres" && !options.databaseUrl) continue;
    for (const security of driver === "postgres" ? securities : [none]) {
      rows.push(await distributed(driver, total, offeredSeconds, options, security));
    }
    // Payments, catalog and orders as on Deno Deploy, behind the bridge (bench/edge_saga.ts).
    if (driver === "postgres") rows.push(await edgeSagaRow(total, offeredSeconds, options));
    // On a three-node NATS cluster, streams with one copy and with three (docs/production.md).
    if (driver === "postgres") {
      for (const replicas of clusterReplicaRows) {
        rows.push(
          await distributed(driver, total, offeredSeconds, options, none, [], {
            clusterReplicas: replicas,
          }),
        );
      }
    }
    // As deployed: each service a Deno process of its own, so the work spreads over the cores.
    if (driver === "postgres" && !options.quick) {
      for (const security of securities) {
        rows.push(
          await distributed(driver, total, offeredSeconds, options, security, backendServices),
        );
      }
      // Two instances of each, sharing their durables and queue groups (docs/production.md).
      rows.push(
        await distributed(driver, total, offeredSeconds, options, none, backendServices, {
          instances: 2,
        }),
      );
    }
    rows.push(await monolith(driver, total, offeredSeconds, options));
  }
  return {
    suite: "The saga: confirmed orders per second and placed-to-confirmed latency",
    rows,
    notes: [
      `Throughput: ${total} orders, ${inFlight} in flight. Latency: ${offeredPerSecond} orders/s` +
      ` offered for ${offeredSeconds} s. Targets with Postgres: >= 300 confirmed/s, p50 < 20 ms.`,
      "CPU ms: process CPU time per confirmed order while the throughput load ran, by program" +
      " (Deno: every Deno process, so the services and the load; Postgres: all its processes).",
      "3-node NATS: three nats-servers on this machine, streams with one copy (R1) or three (R3)." +
      " On two cores a cluster adds no throughput: these rows show what replication costs" +
      " (each publish waits for a second server's copy), not how far more machines go.",
    ],
  };
}

/** The replicas of the saga rows on a three-node NATS cluster: one copy, then three. */
export const clusterReplicaRows = [1, 3] as const;

/** What a cluster row's name says after the driver: `3-node NATS, R3`. */
export function clusterRowLabel(replicas: number): string {
  return `3-node NATS, R${replicas}`;
}

async function distributed(
  driver: string,
  total: number,
  offeredSeconds: number,
  options: BenchOptions,
  security: Security,
  processes: readonly BackendService[] = [],
  { clusterReplicas, instances = 1 }: { clusterReplicas?: number; instances?: number } = {},
): Promise<Row> {
  const cluster = clusterReplicas ? `, ${clusterRowLabel(clusterReplicas)}` : "";
  const each = processes.length ? `, a process each${instances > 1 ? ` x${instances}` : ""}` : "";
  const name = `distributed (${rowName(`${driver}${each}${cluster}`, security)})`;
  options.progress(`saga: starting the services for ${name}`);
  const stack = await startStack({
    // The services' own default, not the test suite's smaller pool: what a deployment runs.
    poolSize: 10,
    env: {
      STARTING_BALANCE_CENTS: "1000000000",
      LOG_LEVEL: "error",
      ...clusterReplicas && { JETSTREAM_REPLICAS: String(clusterReplicas) },
    },
    cluster: clusterReplicas !== undefined,
    databaseUrl: driver === "postgres" ? options.databaseUrl : null,
    processes: [...processes],
    instances: Object.fromEntries(processes.map((service) => [service, instances])) as Record<
      BackendService,
      number
    >,
    authorization: security.authorization,
    tls: security.tls,
  });
  try {
    return await measuredSaga(stack, name, total, offeredSeconds, options);
  } finally {
    await stack.close();
  }
}

async function monolith(
  driver: string,
  total: number,
  offeredSeconds: number,
  options: BenchOptions,
): Promise<Row> {
  options.progress(`saga: the monolith on ${driver}`);
  const database = driver === "postgres" ? await freshDatabase(options.databaseUrl!) : null;
  const app: Monolith = database
    ? await postgresMonolith(database.url, inFlight)
    : await pgliteMonolith(inFlight);
  try {
    let next = 0;
    const place = async () => {
      const status = await app.placeOrder((next++ % inFlight) + 1, 1, 1);
      if (status !== "confirmed") throw new Error(`monolith order ${status}`);
    };
    const cpuBefore = readCpu();
    const throughput = await drive(place, inFlight, total);
    const cpu = cpuPer(cpuBefore, readCpu(), total);
    const latencies: number[] = [];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < offeredPerSecond * offeredSeconds; i++) {
      const t = performance.now();
      pending.push(place().then(() => void latencies.push(performance.now() - t)));
      await new Promise((r) => setTimeout(r, 1000 / offeredPerSecond));
    }
    await Promise.all(pending);
    return {
      name: `monolith (${driver})`,
      "confirmed/s": throughput.calls / throughput.seconds,
      "p50 ms": percentile(latencies, 50),
      "p95 ms": percentile(latencies, 95),
      "p99 ms": percentile(latencies, 99),
      ...cpu,
    };
  } finally {
    await app.close();
    await database?.drop();
  }
}
