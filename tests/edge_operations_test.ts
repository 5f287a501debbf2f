/**
 * The operator's replay and dead-letter re-drive with every service but the gateway deployed as
 * on Deno Deploy, behind the bridge: users, catalog, orders, payments, history and notifications
 * each started by a request and stopped after a second and a half without one. After a few
 * orders, the operator finds them all asleep (the bridge answers their discovery); history's read
 * model is rebuilt through the operator's CLI while history sleeps, taking longer than the bridge
 * waits for a delivery, and the timeline is what it was; a delivery to notifications that fails
 * until the bridge gives up is re-driven through the CLI once the fault is cleared, and applied
 * exactly once.
 */
import assert from "node:assert/strict";
import { and, eq } from "drizzle-orm";
import { orderHistory } from "../services/history/db/schema.ts";
import { notifications } from "../services/notifications/db/schema.ts";
import { registry } from "../services/registry.ts";
import type { ReplayProgress } from "../shared/contracts/mod.ts";
import { bridgePaths } from "../shared/bridge/mod.ts";
import { handlerFaultPoint, rpcFaultPoint } from "../shared/faults/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import {
  clearFault,
  discoverServices,
  listDeadLetters,
  redriveDeadLetters,
  replayToService,
  setFault,
} from "../shared/operator/mod.ts";
import { connectAs } from "./harness/bus_identities.ts";
import {
  getJson,
  placeOrder,
  productBySku,
  settledOrder,
  signUp,
  type TestUser,
} from "./harness/clients.ts";
import { type EdgeStack, edgeStackRuns, startEdgeStack } from "./harness/edge_stack.ts";
import { eventually } from "./harness/eventually.ts";
import { ops } from "./harness/ops_cli.ts";

if (!edgeStackRuns) {
  console.log("edge operations: skipped, set DATABASE_URL (an edge service has no file system)");
}

const by = { actor: "edge operations test", log: createLogger({ service: "ops", level: "error" }) };
const edgeServices = registry.map((s) => s.name).filter((name) => name !== "gateway");
const maxDeliver = 3;
const bridgeTimeoutMs = 8000;

type Operator = Awaited<ReturnType<typeof connectAs>>;

Deno.test({
  name: "edge: a rebuild and a dead-letter re-drive, every service but the gateway at the edge",
  ignore: !edgeStackRuns,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const edge = await startEdgeStack({
      edge: edgeServices,
      idleMs: 1500,
      delivery: { maxDeliver, backoffMs: [100] },
      timeoutMs: bridgeTimeoutMs,
      env: { RPC_TIMEOUT_MS: "10000" },
    });
    const operator = await connectAs(edge.stack.nats, "operator");
    try {
      const users = await Promise.all([signUp(edge.stack), signUp(edge.stack)]);
      await t.step("a few orders end, placed while six services sleep", async () => {
        const mug = await productBySku(edge.stack, "MUG-001");
        const pen = await productBySku(edge.stack, "PEN-006");
        // Paid, declined (four pens are more than a wallet of 100.00 holds), paid.
        const orders: [TestUser, string, number][] = [
          [users[0], mug.id, 1],
          [users[0], pen.id, 4],
          [users[1], mug.id, 2],
        ];
        await edge.quiet();
        for (const [user, productId, quantity] of orders) {
          await settled(edge, user, productId, quantity);
        }
        // History and notifications have handled every event, and all sleep again.
        await edge.quiet();
        for (const name of edgeServices) assert.ok(edge.edges[name].coldStarts.length > 0, name);
      });
      await t.step("the operator finds every service asleep at the edge, waking none", async () => {
        await edge.quiet();
        // Answered by the bridge in this process: a busy machine may take more than the 500 ms.
        const found = await discoverServices(operator, { waitMs: 2000 });
        const names = found.map((instance) => instance.name).filter((name) => name !== "gateway");
        assert.deepEqual(names.toSorted(), edgeServices.toSorted());
        for (const name of edgeServices) assert.equal(edge.edges[name].running(), 0, name);
      });
      await t.step("history rebuilt while it sleeps: the timeline is what it was", () => {
        return rebuildHistory(edge, operator, users);
      });
      await t.step("a dead letter re-driven at a sleeping service: applied once", () => {
        return redriveToNotifications(edge, operator, users[1]);
      });
    } finally {
      await operator.close();
      await edge.close();
    }
  },
});

async function rebuildHistory(edge: EdgeStack, operator: Operator, users: TestUser[]) {
  const { stack } = edge;
  const historyDb = (await stack.database("history")).db;
  const timelines = () => Promise.all(users.map((user) => getJson(stack, user, "/history")));
  const rows = () => historyDb.select().from(orderHistory).orderBy(orderHistory.orderId);
  const before = await timelines();
  const rowsBefore = await rows();
  assert.equal(rowsBefore.length, 3);
  // Longer than the bridge waits for a delivery, as a rebuild of a long history is: an
  // operator's request waits as long as the operator does, not BRIDGE_TIMEOUT_MS.
  const point = rpcFaultPoint("history", "rebuildReadModel");
  const delayMs = bridgeTimeoutMs + 1000;
  await setFault(operator, point, { action: "delay", probability: 1, delayMs }, by);
  try {
    await edge.quiet();
    const history = edge.edges.history;
    assert.equal(history.running(), 0);
    const starts = history.coldStarts.length;
    const from = history.served.length;
    const started = performance.now();
    const out = await ops(stack, "replay", "history", "--rebuild");
    const ms = performance.now() - started;
    assert.match(out, /^rebuilt history: emptied order_history, inbox/m, out);
    assert.match(out, /^ {2}applied [1-9]\d*, skipped 0/m, out);
    assert.ok(ms > delayMs, `${ms} ms`);
    assert.ok(history.coldStarts.length > starts, "history never woke for the rebuild");
    const rebuild = history.served.slice(from)
      .filter((r) => r.path === bridgePaths.rpc("rebuildReadModel"));
    assert.deepEqual(rebuild.map((r) => r.status), [200]);
    console.log(`edge operations: rebuild through the bridge ${ms.toFixed(0)} ms`);
  } finally {
    await clearFault(operator, point, by);
  }
  assert.deepEqual(await rows(), rowsBefore);
  assert.deepEqual(await timelines(), before);
}

async function redriveToNotifications(edge: EdgeStack, operator: Operator, user: TestUser) {
  const { stack } = edge;
  const notificationsDb = (await stack.database("notifications")).db;
  const mug = await productBySku(stack, "MUG-001");
  const point = handlerFaultPoint("notifications", "orders.order.confirmed", "before_commit");
  await setFault(operator, point, { action: "fail", probability: 1 }, by);
  // Asleep: the instance the order wakes reads the faults before its first message.
  await edge.quiet();
  const orderId = await settled(edge, user, mug.id, 1);
  const letter = await eventually(async () => {
    const letters = await listDeadLetters(operator, { service: "notifications" });
    return letters.find((l) => l.subject === "orders.order.confirmed");
  }, 30_000);
  const confirmedOf = () =>
    notificationsDb.select().from(notifications).where(
      and(eq(notifications.orderId, orderId), eq(notifications.kind, "order_confirmed")),
    );
  assert.equal((await confirmedOf()).length, 0);

  await clearFault(operator, point, by);
  await edge.quiet();
  const notifier = edge.edges.notifications;
  assert.equal(notifier.running(), 0);
  const starts = notifier.coldStarts.length;
  const out = await ops(stack, "deadletters", "redrive", String(letter.seq));
  assert.match(out, new RegExp(`^#${letter.seq}  applied`), out);
  assert.ok(notifier.coldStarts.length > starts, "the re-drive woke nothing");
  assert.equal((await confirmedOf()).length, 1);
  // Once: the letter is gone, and a replay of the whole stream finds every event applied.
  const again = await redriveDeadLetters(operator, { sequences: [letter.seq], ...by });
  assert.deepEqual(again.map((r) => r.outcome), ["not_found"]);
  const progress: ReplayProgress[] = [];
  const replayed = await replayToService(operator, {
    service: "notifications",
    services: edgeServices,
    range: { stream: "ORDERS" },
    onProgress: (p) => progress.push(p),
    ...by,
  });
  assert.equal(replayed.applied, 0, JSON.stringify(replayed));
  // Its progress, published by the instance over its own connection, reached the operator.
  assert.ok(progress.length > 0, "no progress");
  assert.ok(replayed.skipped > 0, JSON.stringify(replayed));
  assert.equal((await confirmedOf()).length, 1);
  const listed = await getJson(stack, user, "/notifications");
  const kinds = listed.items.filter((n: { orderId: string }) => n.orderId === orderId)
    .map((n: { kind: string }) => n.kind);
  assert.deepEqual(kinds, ["order_confirmed"]);
}

/** Places an order of one item and waits until it ends; resolves to its id. */
async function settled(edge: EdgeStack, user: TestUser, productId: string, quantity: number) {
  const res = await placeOrder(edge.stack, user, [{ productId, quantity }]);
  assert.equal(res.status, 201, await res.clone().text());
  const { orderId } = await res.json();
  await settledOrder(edge.stack, user, orderId, 60_000);
  return orderId as string;
}
