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
import { sql } from "drizzle-orm";
import { products } from "../services/catalog/db/schema.ts";
import { orders } from "../services/orders/db/schema.ts";
import {
  type BackendService,
  backendServices,
  json,
  type Stack,
  startStack,
} from "../tests/harness/stack.ts";
import { signUp, type TestUser } from "../tests/harness/clients.ts";
import { drive } from "./rpc.ts";
import { type Monolith, pgliteMonolith, postgresMonolith } from "./monolith.ts";
import { freshDatabase } from "./databases.ts";
import { cpuPer, readCpu } from "./cpu.ts";
import { type BenchOptions, percentile, type Row, type SuiteResult } from "./report.ts";
import { rowName, securities, type Security } from "./security.ts";

const inFlight = 32;
const offeredPerSecond = 50;

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
    // As deployed: each service a Deno process of its own, so the work spreads over the cores.
    if (driver === "postgres" && !options.quick) {
      for (const security of securities) {
        rows.push(
          await distributed(driver, total, offeredSeconds, options, security, backendServices),
        );
      }
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
    ],
  };
}

async function distributed(
  driver: string,
  total: number,
  offeredSeconds: number,
  options: BenchOptions,
  security: Security,
  processes: readonly BackendService[] = [],
): Promise<Row> {
  const name = `distributed (${
    rowName(`${driver}${processes.length ? ", a process each" : ""}`, security)
  })`;
  options.progress(`saga: starting the services for ${name}`);
  const stack = await startStack({
    env: { STARTING_BALANCE_CENTS: "1000000000", LOG_LEVEL: "error" },
    databaseUrl: driver === "postgres" ? options.databaseUrl : null,
    processes: [...processes],
    authorization: security.authorization,
    tls: security.tls,
  });
  try {
    const catalogDb = (await stack.database("catalog")).db;
    await catalogDb.update(products).set({ stock: 1_000_000_000 });
    const [product] = await catalogDb.select({ id: products.id }).from(products).limit(1);
    const users = await Promise.all(Array.from({ length: inFlight }, () => signUp(stack)));
    const ordersDb = (await stack.database("orders")).db;
    let next = 0;
    const place = async () => {
      const user = users[next++ % users.length];
      const res = await placeOrder(stack, user, product.id);
      if (res.status !== 201) throw new Error(`placing an order: ${res.status}`);
    };

    const cpuBefore = readCpu();
    const started = performance.now();
    let placed = 0;
    await drive(
      async () => {
        await place();
        if (++placed % 100 === 0) options.progress(`${name}: placed ${placed}/${total}`);
      },
      inFlight,
      total,
    );
    await untilNonePending(ordersDb, options, name);
    const confirmed = await confirmedCount(ordersDb);
    // Stock and balances cover every order: one not confirmed is a fault, not a figure.
    if (confirmed !== total) throw new Error(`${name}: ${confirmed} of ${total} orders confirmed`);
    const perSecond = confirmed / ((performance.now() - started) / 1000);
    const cpu = cpuPer(cpuBefore, readCpu(), confirmed);

    options.progress(`${name}: ${offeredPerSecond}/s offered for ${offeredSeconds} s`);
    const since = new Date();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < offeredPerSecond * offeredSeconds; i++) {
      pending.push(place());
      await new Promise((r) => setTimeout(r, 1000 / offeredPerSecond));
    }
    await Promise.all(pending);
    await untilNonePending(ordersDb, options, name);
    const rows = await ordersDb.select({
      ms: sql<number>`extract(epoch from (${orders.updatedAt} - ${orders.createdAt})) * 1000`,
    }).from(orders).where(
      sql`${orders.createdAt} >= ${since.toISOString()}::timestamptz and ${orders.status} = 'confirmed'`,
    );
    const latencies = rows.map((row) => Number(row.ms));
    return {
      name,
      "confirmed/s": perSecond,
      "p50 ms": percentile(latencies, 50),
      "p95 ms": percentile(latencies, 95),
      "p99 ms": percentile(latencies, 99),
      ...cpu,
    };
  } finally {
    await stack.close();
  }
}

function placeOrder(stack: Stack, user: TestUser, productId: string) {
  return stack.request(
    "/orders",
    json("POST", { items: [{ productId, quantity: 1 }] }, user.headers),
  );
}

type OrdersDb = Awaited<ReturnType<Stack["database"]>>["db"];

async function untilNonePending(db: OrdersDb, options: BenchOptions, label: string) {
  while (true) {
    const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(orders)
      .where(sql`${orders.status} = 'pending'`);
    if (Number(n) === 0) return;
    options.progress(`${label}: ${n} orders still pending`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function confirmedCount(db: OrdersDb): Promise<number> {
  const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(orders)
    .where(sql`${orders.status} = 'confirmed'`);
  return Number(n);
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
