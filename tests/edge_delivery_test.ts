/**
 * What an edge service behind the bridge leaves to the bridge: payments and orders run in the
 * simulated edge lifecycle (tests/harness/edge_runtime.ts), the bridge ticks them every second.
 * A message whose delivery fails (the service answers 5xx) is retried, then given up on: the
 * service runs what it does for a lost message, the bridge records the dead letter, and a redrive
 * after the fix applies it. An orders instance killed between its commit and the publish leaves
 * an outbox row, which the next instance, woken by the tick and nothing else, publishes, and the
 * saga goes on.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { eq, inArray } from "drizzle-orm";
import { orders, outbox } from "../services/orders/db/schema.ts";
import { wallets } from "../services/payments/db/schema.ts";
import { bridgePaths } from "../shared/bridge/mod.ts";
import { deadLettersStream } from "../shared/events/mod.ts";
import { handlerFaultPoint, relayFaultPoint } from "../shared/faults/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { clearFault, setFault } from "../shared/operator/mod.ts";
import { connectAs } from "./harness/bus_identities.ts";
import { placeOrder, productBySku, signUp } from "./harness/clients.ts";
import { edgeStackRuns, startEdgeStack } from "./harness/edge_stack.ts";
import { eventually } from "./harness/eventually.ts";
import { ops } from "./harness/ops_cli.ts";

if (!edgeStackRuns) {
  console.log("edge delivery: skipped, set DATABASE_URL (an edge service has no file system)");
}

const by = { actor: "edge delivery test", log: createLogger({ service: "ops", level: "error" }) };
const maxDeliver = 3;

Deno.test({
  name:
    "edge: behind the bridge, failed deliveries end as dead letters; the tick sweeps the outbox",
  ignore: !edgeStackRuns,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const edge = await startEdgeStack({
      edge: ["payments", "orders"],
      // Ticked more often than they idle: once woken, they stay up, as under steady traffic.
      tickMs: 1000,
      idleMs: 3000,
      delivery: { maxDeliver, backoffMs: [100] },
      env: { RPC_TIMEOUT_MS: "10000" },
    });
    const { stack, edges } = edge;
    const operator = await connectAs(stack.nats, "operator");
    const paymentsDb = (await stack.database("payments")).db;
    const ordersDb = (await stack.database("orders")).db;
    const jsm = await jetstreamManager(stack.nc);
    try {
      await t.step("a delivery answered 5xx is retried, then dead-lettered", async () => {
        const point = handlerFaultPoint("payments", "users.user.registered", "before_commit");
        await setFault(operator, point, { action: "fail", probability: 1 }, by);
        // Started again: a new instance reads the faults before its first message.
        await edges.payments.sleep();
        const from = edges.payments.served.length;
        const user = await signUp(stack);
        await eventually(async () => {
          const info = await jsm.streams.info(deadLettersStream.name).catch(() => undefined);
          return info && info.state.messages > 0 ? true : undefined;
        }, 30_000);
        const [letter] = await letters(stack);
        assert.equal(letter.subject, "users.user.registered");
        const served = edges.payments.served.slice(from);
        const deliveries = served.filter((r) => r.path === bridgePaths.events("USERS"));
        assert.deepEqual(deliveries.map((r) => r.status >= 500), Array(maxDeliver).fill(true));
        const givenUp = served.filter((r) => r.path === bridgePaths.givenUp("USERS"));
        assert.deepEqual(givenUp.map((r) => r.status), [200]);
        const wallet = () =>
          paymentsDb.select().from(wallets).where(eq(wallets.userId, user.userId));
        assert.equal((await wallet()).length, 0);

        await clearFault(operator, point, by);
        await edges.payments.sleep();
        const out = await ops(stack, "deadletters", "redrive", String(letter.seq));
        assert.match(out, new RegExp(`^#${letter.seq}  applied`), out);
        assert.equal((await wallet()).length, 1);
      });

      await t.step("an outbox row left by a killed instance is published by the tick", async () => {
        const user = await signUp(stack);
        const mug = await productBySku(stack, "MUG-001");
        await setFault(operator, relayFaultPoint("orders"), { action: "exit", probability: 1 }, by);
        await edges.orders.sleep();
        const exits = edges.orders.coldStarts.length;
        const from = edges.orders.served.length;
        // The instance commits the order and its outbox row, then ends before publishing it.
        const res = await placeOrder(stack, user, [{ productId: mug.id, quantity: 1 }]);
        await res.body?.cancel();
        await eventually(() => Promise.resolve(edges.orders.running() === 0 || undefined));
        const [order] = await ordersDb.select().from(orders).where(eq(orders.userId, user.userId));
        assert.equal(order.status, "pending");
        const leftBehind = (await ordersDb.select().from(outbox))
          .filter((row) => row.publishedAt === null).map((row) => row.id);
        assert.ok(leftBehind.length > 0, "no row left behind");
        assert.equal(edges.orders.coldStarts.length, exits + 1);

        await clearFault(operator, relayFaultPoint("orders"), by);
        await eventually(async () => {
          const [row] = await ordersDb.select().from(orders).where(eq(orders.id, order.id));
          return row.status === "confirmed" || undefined;
        }, 30_000);
        // Nothing but the tick woke it: the event it held was never published, so no one else
        // had anything to send it.
        // In the order they arrived: a tick whose sweep published the row answers after the
        // deliveries that publish brought about.
        const since = edges.orders.served.slice(from).toSorted((a, b) => a.arrival - b.arrival);
        const woken = since.filter((r) => r.path !== bridgePaths.rpc("placeOrder"));
        assert.equal(woken[0]?.path, bridgePaths.tick, JSON.stringify(since));
        // Marked published with the relay's next query (the next tick at the latest).
        await eventually(async () => {
          const rows = await ordersDb.select().from(outbox).where(inArray(outbox.id, leftBehind));
          return rows.every((row) => row.publishedAt !== null) || undefined;
        });
      });
    } finally {
      await operator.close();
      await edge.close();
    }
  },
});

async function letters(stack: Parameters<typeof ops>[0]) {
  const listed = JSON.parse(
    await ops(stack, "deadletters", "list", "--json", "--service", "payments"),
  );
  return listed as { seq: number; subject: string; reason: string }[];
}
