/**
 * The saga with payments, catalog and orders deployed as on Deno Deploy, behind the bridge: each
 * bundled and run in the simulated edge lifecycle (tests/harness/edge_runtime.ts: started by a
 * request, stopped after two idle seconds, no file system, NATS over WebSocket), the bridge
 * delivering their requests and events as signed HTTP; users, history, notifications and the
 * gateway long-lived. First one order placed while the three sleep (placed to confirmed through
 * their cold starts), then the same load as the long-lived rows (./saga.ts).
 */
import { eq } from "drizzle-orm";
import { orders } from "../services/orders/db/schema.ts";
import { placeOrder, productBySku, signUp } from "../tests/harness/clients.ts";
import { startEdgeStack } from "../tests/harness/edge_stack.ts";
import { type BenchOptions, percentile, type Row } from "./report.ts";
import { measuredSaga } from "./saga_load.ts";

/** The services the row runs at the edge. */
export const edgeSagaServices = ["payments", "catalog", "orders"];

/** The row's name, beside the long-lived `distributed (postgres, NKeys)`. */
export const edgeSagaRowName =
  "edge: payments, catalog, orders behind the bridge (postgres, NKeys)";

/**
 * The row: `measuredSaga`'s figures, plus `cold order ms` (one order placed while the three
 * sleep, placed to confirmed) and the instances' cold starts (spawn to first answer). Needs
 * Postgres (DATABASE_URL): an edge service has no file system.
 */
export async function edgeSagaRow(
  total: number,
  offeredSeconds: number,
  options: BenchOptions,
): Promise<Row> {
  options.progress("saga: starting the edge services and the bridge");
  const edge = await startEdgeStack({
    databaseUrl: options.databaseUrl,
    edge: edgeSagaServices,
    idleMs: 2000,
    // No tick: the cold order meets three sleeping services, not one a tick just woke.
    tickMs: 0,
    // Placing an order wakes orders, which asks a sleeping catalog for a quote: two cold starts
    // in a row, more than the default 3 s deadline holds on a loaded machine.
    env: { STARTING_BALANCE_CENTS: "1000000000", RPC_TIMEOUT_MS: "10000" },
  });
  try {
    const { stack, edges } = edge;
    const user = await signUp(stack);
    const mug = await productBySku(stack, "MUG-001");
    options.progress(`${edgeSagaRowName}: waiting for the services to sleep`);
    await edge.quiet();
    const started = performance.now();
    const placed = await placeOrder(stack, user, [{ productId: mug.id, quantity: 1 }]);
    if (placed.status !== 201) throw new Error(`the cold order: ${placed.status}`);
    const { orderId } = await placed.json();
    const ordersDb = (await stack.database("orders")).db;
    while (true) {
      const [row] = await ordersDb.select({ status: orders.status }).from(orders)
        .where(eq(orders.id, orderId));
      if (row.status === "confirmed") break;
      if (row.status !== "pending") throw new Error(`the cold order ended ${row.status}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const coldOrderMs = performance.now() - started;

    const row = await measuredSaga(stack, edgeSagaRowName, total, offeredSeconds, options);
    const starts = edgeSagaServices.flatMap((name) => edges[name].coldStarts.map((s) => s.ms));
    return {
      ...row,
      "cold order ms": coldOrderMs,
      "cold starts": starts.length,
      "cold start ms (p50)": percentile(starts, 50),
    };
  } finally {
    await edge.close();
  }
}
