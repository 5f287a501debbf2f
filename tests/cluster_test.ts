/**
 * The platform on a three-node NATS cluster (tests/harness/nats_cluster.ts) with two instances
 * each of payments, catalog, orders and history, each a process of its own sharing its durables
 * and RPC queue group with its twin: the streams get three replicas; a bounded load of orders
 * rides out the loss of the ORDERS stream's leader and a second node's restart, then the SIGKILL
 * of one instance of each service, losing and doubling nothing; the history read model is rebuilt
 * by one instance while the other consumes. Two instances of a service need Postgres: without
 * DATABASE_URL the file is skipped.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { deadLettersStream } from "../shared/events/dead_letters.ts";
import {
  catalogStream,
  ordersStream,
  paymentsStream,
  usersStream,
} from "../shared/contracts/mod.ts";
import { getJson, productBySku, signUp, type TestUser } from "./harness/clients.ts";
import { adminUrl } from "./harness/databases.ts";
import { assertSagaInvariants } from "./harness/invariants.ts";
import { caughtUp } from "./harness/history_truth.ts";
import { ops } from "./harness/ops_cli.ts";
import { placeOrders, serverErrors, settleAll } from "./harness/order_load.ts";
import { type Stack, startStack } from "./harness/stack.ts";

if (!adminUrl) {
  console.log("cluster: skipped, set DATABASE_URL (two instances of a service need Postgres)");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const twice = ["payments", "catalog", "orders", "history"];

/** Each order placed once on ORDERS, none lost: the stream's `placed` facts are the orders. */
async function assertPlacedOnce(stack: Stack, orderIds: string[]) {
  const jsm = await jetstreamManager(stack.nc);
  const subject = "orders.order.placed";
  const info = await jsm.streams.info(ordersStream.name, { subjects_filter: subject });
  assert.equal(new Set(orderIds).size, orderIds.length, "an order answered twice");
  assert.equal(info.state.subjects?.[subject], orderIds.length, "placed events");
}

/** A user's order history once it has caught up with `count` settled orders. */
async function historyOf(stack: Stack, user: TestUser, count: number) {
  for (let i = 0;; i++) {
    const history = await getJson(stack, user, "/history?limit=100");
    const settled = history.orders.filter((o: { status: string }) => o.status !== "pending");
    if (settled.length === count || i === 100) return history;
    await sleep(100);
  }
}

Deno.test({
  name: "cluster: three NATS nodes, two instances each, a leader and instances killed under load",
  ignore: !adminUrl,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const stack = await startStack({
      cluster: true,
      processes: twice,
      instances: Object.fromEntries(twice.map((name) => [name, 2])),
    });
    const cluster = stack.cluster!;
    const pin = await productBySku(stack, "PIN-011");
    const items = [{ productId: pin.id, quantity: 1 }];
    const users = await Promise.all(Array.from({ length: 8 }, () => signUp(stack)));
    const placedIds: string[] = [];
    try {
      await t.step("every stream and durable has three replicas", async () => {
        const jsm = await jetstreamManager(stack.nc);
        const streams = [
          ordersStream,
          paymentsStream,
          catalogStream,
          usersStream,
          deadLettersStream,
        ];
        for (const stream of streams) {
          const info = await jsm.streams.info(stream.name);
          assert.equal(info.config.num_replicas, 3, stream.name);
        }
        const payments = await jsm.consumers.info(ordersStream.name, "payments");
        assert.equal(payments.cluster?.replicas?.length, 2, "the durable's followers");
      });

      await t.step("the ORDERS leader killed, then a second node restarted", async () => {
        const load = placeOrders(stack, users, { perUser: 3, items, pauseMs: 150 });
        await sleep(300);
        const leader = await cluster.leaderOf(ordersStream.name);
        await cluster.kill(leader);
        const next = await cluster.leaderOf(ordersStream.name);
        assert.notEqual(next, leader);
        await cluster.restart(leader);
        // A second node, not the one just back: the one now leading ORDERS.
        await cluster.restart(next);
        const { placed, answers } = await load;
        console.log(`  leader lost: 5xx answered and retried: ${serverErrors(answers) || "none"}`);
        const ended = await settleAll(stack, placed);
        assert.ok(ended.every((order) => order.status === "confirmed"));
        placedIds.push(...placed.map((p) => p.orderId));
        await assertPlacedOnce(stack, placedIds);
        await assertSagaInvariants(stack);
      });

      await t.step("one instance each of payments, catalog, orders killed mid-run", async () => {
        const load = placeOrders(stack, users, { perUser: 3, items, pauseMs: 150 });
        await sleep(300);
        for (const name of ["payments", "catalog", "orders"]) {
          await stack.instances(name)[0].kill("SIGKILL");
        }
        const { placed, answers } = await load;
        console.log(
          `  instances lost: 5xx answered and retried: ${serverErrors(answers) || "none"}`,
        );
        const ended = await settleAll(stack, placed);
        assert.ok(ended.every((order) => order.status === "confirmed"));
        placedIds.push(...placed.map((p) => p.orderId));
        await assertPlacedOnce(stack, placedIds);
        await assertSagaInvariants(stack);
        for (const name of ["payments", "catalog", "orders"]) {
          await stack.instances(name)[0].start();
        }
      });

      await t.step("history rebuilt by one instance while its twin consumes", async () => {
        const before = await historyOf(stack, users[0], 6);
        const load = placeOrders(stack, users.slice(0, 4), { perUser: 2, items, pauseMs: 100 });
        const out = await ops(stack, "replay", "history", "--rebuild");
        assert.match(out, /^rebuilt history/);
        const { placed } = await load;
        await settleAll(stack, placed);
        const after = await historyOf(stack, users[0], 8);
        assert.equal(after.totals.orders, before.totals.orders + 2);
        assert.equal(after.totals.confirmed, 8);
        // Two instances applied ORDERS side by side, with kills and a rebuild between: every
        // order still reads in history as it ended (the projection does not care about order).
        await caughtUp(stack);
      });
    } finally {
      await stack.close();
    }
  },
});
