/**
 * The operator's toolbox against a running stack: replays change nothing that was applied,
 * the CLI reads streams and finds every instance, dead letters are re-driven once.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { count } from "drizzle-orm";
import { products, reservations } from "../services/catalog/db/schema.ts";
import { notifications } from "../services/notifications/db/schema.ts";
import { orders, outbox as ordersOutbox } from "../services/orders/db/schema.ts";
import { charges, refunds, wallets } from "../services/payments/db/schema.ts";
import { startCatalog } from "../services/catalog/service.ts";
import { connectNats } from "../shared/bus/mod.ts";
import type { ReplayProgress, ReplayReport } from "../shared/contracts/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { replayToService } from "../shared/operator/mod.ts";
import { placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { backendServices, type Stack, startStack } from "./harness/stack.ts";
import { eventually } from "./harness/eventually.ts";
import { ops } from "./harness/ops_cli.ts";

const log = createLogger({ service: "ops-test", level: "error" });

/** Everything a replay could wrongly change: money, stock, notifications, orders. */
async function platformState(stack: Stack) {
  const payments = (await stack.database("payments")).db;
  const catalog = (await stack.database("catalog")).db;
  const byId = <T extends { id?: string; orderId?: string; userId?: string }>(rows: T[]) =>
    rows.map((row) => JSON.stringify(row)).sort();
  return {
    wallets: byId(await payments.select().from(wallets)),
    charges: byId(await payments.select().from(charges)),
    refunds: byId(await payments.select().from(refunds)),
    stock: byId(await catalog.select({ id: products.id, stock: products.stock }).from(products)),
    reservations: byId(await catalog.select().from(reservations)),
    orders: byId(
      await (await stack.database("orders")).db.select({ id: orders.id, status: orders.status })
        .from(orders),
    ),
    notifications: (await (await stack.database("notifications")).db.select({ n: count() })
      .from(notifications))[0].n,
  };
}

/** Who reacts to which stream: every (service, stream) pair a replay can target. */
const consumers: [string, string][] = [
  ["payments", "USERS"],
  ["payments", "ORDERS"],
  ["payments", "CATALOG"],
  ["catalog", "PAYMENTS"],
  ["catalog", "ORDERS"],
  ["orders", "PAYMENTS"],
  ["orders", "CATALOG"],
  ["notifications", "ORDERS"],
  ["history", "ORDERS"],
];

Deno.test("the operator's toolbox", async (t) => {
  const stack = await startStack();
  try {
    const user = await signUp(stack);
    const mug = await productBySku(stack, "MUG-001");
    const confirmed = await (await placeOrder(stack, user, [{ productId: mug.id, quantity: 1 }]))
      .json();
    // More than the starting balance: declined, then cancelled.
    const declined = await (await placeOrder(stack, user, [{ productId: mug.id, quantity: 90 }]))
      .json();
    assert.equal((await settledOrder(stack, user, confirmed.orderId)).status, "confirmed");
    assert.equal((await settledOrder(stack, user, declined.orderId)).status, "cancelled");
    // The last handlers (notifications) run after the order settles.
    await eventually(async () => (await platformState(stack)).notifications === 2 || undefined);

    await t.step("a replay of what was processed changes nothing and skips it all", async () => {
      const before = await platformState(stack);
      const reports: ReplayReport[] = [];
      const progress: ReplayProgress[] = [];
      for (const [service, stream] of consumers) {
        const report = await replayToService(stack.nc, {
          service,
          services: [service],
          range: { stream },
          actor: "test",
          log,
          onProgress: (p) => progress.push(p),
        });
        assert.equal(report.applied, 0, `${service} ← ${stream} applied something`);
        assert.equal(report.failed + report.invalid, 0);
        assert.equal(report.skipped + report.notHandled, report.read);
        reports.push(report);
      }
      // Every charge, reservation, confirmation and notification was offered again.
      assert.ok(reports.every((r) => r.read > 0));
      assert.ok(reports.reduce((sum, r) => sum + r.skipped, 0) >= 10);
      assert.deepEqual(await platformState(stack), before);
      // The service reports as it goes (at most four times a second): the bar's counts.
      assert.ok(progress.length > 0);
      assert.ok(progress.every((p) => p.read <= p.total && p.applied === 0 && p.skipped <= p.read));
    });

    await t.step("a dry run says what a replay would do, and does nothing", async () => {
      const out = await ops(stack, "replay", "payments", "orders.order.placed", "--dry-run");
      assert.match(out, /^dry run: ORDERS #\d+\.\.#\d+ → payments: 2 read/m);
      assert.match(out, /would apply 0, would skip 2 \(already applied\)/);
      assert.equal(out.match(/ skip +orders\.order\.placed/g)?.length, 2);
    });

    await t.step("the CLI replays from a sequence and sums up", async () => {
      const out = await ops(stack, "replay", "notifications", "ORDERS", "--from-seq", "2");
      assert.match(out, /ORDERS #2\.\.#\d+ → notifications: \d+ read/);
      assert.match(out, /applied 0, skipped 2 \(already applied\), \d+ not handled/);
    });

    await t.step("events tail and show print the stream", async () => {
      const tail = await ops(stack, "events", "tail", "orders.order.placed", "-n", "100");
      assert.equal(tail.trim().split("\n").length, 2);
      assert.match(
        tail,
        new RegExp(`orders\\.order\\.placed@1 .*order=${confirmed.orderId.slice(-8)}`),
      );
      const [first] = tail.split("\n");
      const seq = first.match(/^#(\d+)/)![1];
      const shown = JSON.parse(await ops(stack, "events", "show", "ORDERS", seq, "--json"));
      assert.equal(shown.event.type, "orders.order.placed");
      assert.equal(shown.seq, Number(seq));
      const range = await ops(stack, "events", "show", "ORDERS", "--from-seq", "1", "--json");
      const entries = range.trim().split("\n").map((line) => JSON.parse(line));
      assert.deepEqual(entries.map((e) => e.seq), entries.map((_, i) => i + 1));
      assert.ok(entries.every((e) => e.event.type.startsWith("orders.order.")));
    });

    await t.step(
      "a deleted durable: /ready says so until it is made again; orders move",
      async () => {
        const jsm = await jetstreamManager(stack.nc);
        await jsm.consumers.delete("ORDERS", "payments");
        const unready = await eventually(async () => {
          const ready = await stack.request("/ready");
          return ready.status === 503
            ? await ready.json()
            : (await ready.body?.cancel(), undefined);
        }, 10_000);
        assert.match(unready.checks.payments, /consumer ORDERS: cannot fetch/);
        await eventually(async () => {
          const ready = await stack.request("/ready");
          await ready.body?.cancel();
          return ready.status === 200 || undefined;
        });
        const placed = await (await placeOrder(stack, user, [{ productId: mug.id, quantity: 1 }]))
          .json();
        assert.equal((await settledOrder(stack, user, placed.orderId)).status, "confirmed");
        // Made again after the last event payments applied, not from the stream's start.
        const { config } = await jsm.consumers.info("ORDERS", "payments");
        assert.equal(config.deliver_policy, "by_start_sequence");
      },
    );

    await t.step("a parked outbox row: listed, re-queued, discarded, audited", async () => {
      const db = (await stack.database("orders")).db;
      const id = crypto.randomUUID();
      // Too big for the server: the relay parks it at once (enqueueEvent would refuse it).
      await db.insert(ordersOutbox).values({
        id,
        subject: "orders.order.placed",
        payload: JSON.stringify({ padding: "x".repeat(1_100_000) }),
      });
      const parked = await eventually(async () => {
        const rows = JSON.parse(await ops(stack, "outbox", "orders", "--json"));
        return rows.length > 0 ? rows : undefined;
      });
      assert.equal(parked[0].id, id);
      assert.match(parked[0].lastError, /max_payload/);
      assert.match(
        await ops(stack, "outbox", "orders"),
        new RegExp(`^${id}  orders\\.order\\.placed`),
      );
      assert.match(await ops(stack, "outbox", "orders", "--requeue", id), /^re-queued /);
      // Still too big: parked again, counted.
      await eventually(async () => {
        const rows = JSON.parse(await ops(stack, "outbox", "orders", "--json"));
        return rows[0]?.attempts === 1 && rows[0]?.parkedAt ? rows : undefined;
      });
      const out = await ops(stack, "outbox", "orders", "--discard", id, "--reason", "a test row");
      assert.match(out, /^discarded /);
      assert.equal(await ops(stack, "outbox", "orders"), "no parked outbox rows in orders\n");
      const audit = (await ops(stack, "events", "show", "AUDIT", "--json")).trim().split("\n")
        .map((line) => JSON.parse(line).event.data);
      assert.deepEqual(
        audit.filter((a) => a.action.startsWith("outbox.")).map((a) => a.action),
        ["outbox.requeue", "outbox.discard"],
      );
    });

    await t.step("services lists two instances when a service runs twice", async () => {
      const secondNc = await connectNats(stack.nats.url, "catalog", stack.nats.seed("catalog"), {
        caFile: stack.nats.caFile,
      });
      const second = await startCatalog({
        nc: secondNc,
        database: await stack.database("catalog"),
        log,
      });
      try {
        const instances = JSON.parse(await ops(stack, "services", "--json"));
        const catalogs = instances.filter((i: { name: string }) => i.name === "catalog");
        assert.equal(catalogs.length, 2);
        assert.notEqual(catalogs[0].id, catalogs[1].id);
        assert.ok(catalogs.every((c: { version: string }) => c.version === "0.1.0"));
        const names = new Set(instances.map((i: { name: string }) => i.name));
        for (const name of backendServices) {
          assert.ok(names.has(name), `${name} not listed`);
        }
        const table = await ops(stack, "services");
        assert.equal(table.split("\n").filter((line) => line.startsWith("catalog ")).length, 2);
        assert.match(table, /quote \d+×/);
      } finally {
        await second.stop();
        await secondNc.close();
      }
    });
  } finally {
    await stack.close();
  }
});
