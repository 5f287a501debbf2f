/**
 * The saga's load on a running stack, shared by the long-lived rows (./saga.ts) and the edge row
 * (./edge_saga.ts): orders placed through the gateway, all confirmed, timed.
 */
import { sql } from "drizzle-orm";
import { products } from "../services/catalog/db/schema.ts";
import { orders } from "../services/orders/db/schema.ts";
import { json, type Stack } from "../tests/harness/stack.ts";
import { signUp, type TestUser } from "../tests/harness/clients.ts";
import { drive } from "./rpc.ts";
import { cpuPer, readCpu } from "./cpu.ts";
import { type BenchOptions, percentile, type Row } from "./report.ts";

/** Orders in flight while the throughput is measured. */
export const inFlight = 32;
/** Orders per second offered while the latency is measured. */
export const offeredPerSecond = 50;

/**
 * One saga row on a running stack: `total` orders placed `inFlight` at a time through its
 * gateway (confirmed per second, CPU per order), then `offeredPerSecond` for `offeredSeconds`
 * (placed-to-confirmed percentiles). Throws when an order is not confirmed.
 */
export async function measuredSaga(
  stack: Stack,
  name: string,
  total: number,
  offeredSeconds: number,
  options: BenchOptions,
): Promise<Row> {
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

  // Orders confirmed before this load (the edge row's cold order) are not its own.
  const confirmedBefore = await confirmedCount(ordersDb);
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
  const confirmed = await confirmedCount(ordersDb) - confirmedBefore;
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
