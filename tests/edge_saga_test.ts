/**
 * The saga with payments, catalog and orders deployed as on Deno Deploy, behind the bridge: each
 * started by a request, stopped after a second and a half without one (orders as two instances
 * taking requests in turn), with no file system; users, history, notifications and the gateway
 * long-lived. Orders placed in bursts, with the three asleep between bursts, all end with every
 * invariant held; a request that finds its service asleep is answered after a cold start within
 * the gateway's deadline; a request to a service without the bridge's signature is refused.
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { products } from "../services/catalog/db/schema.ts";
import {
  bridgePaths,
  generateBridgeKeys,
  importBridgeSigningKey,
  signBridgeRequest,
} from "../shared/bridge/mod.ts";
import {
  placeOrder,
  productBySku,
  settledOrder,
  signUp,
  type TestUser,
} from "./harness/clients.ts";
import { edgeStackRuns, startEdgeStack } from "./harness/edge_stack.ts";
import { assertSagaInvariants, moneyLedger } from "./harness/invariants.ts";

if (!edgeStackRuns) {
  console.log(
    "edge saga: skipped, set DATABASE_URL (an edge service has no file system for PGlite)",
  );
}

const edgeServices = ["payments", "catalog", "orders"];
const bursts = 3;

Deno.test({
  name: "edge: the saga with payments, catalog and orders asleep between bursts, behind the bridge",
  ignore: !edgeStackRuns,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const edge = await startEdgeStack({
      edge: edgeServices,
      idleMs: 1500,
      instances: { orders: 2 },
      // No tick: nothing but the bursts wakes the services here (the tick: edge_delivery_test.ts).
      tickMs: 0,
      // Placing an order wakes orders, which asks catalog (asleep too) for a quote: two cold starts
      // in a row, with two more processes starting beside them on this machine's two cores. The
      // callers' deadline must cover that (docs/deploy.md); the default 3 s is tried below.
      env: { RPC_TIMEOUT_MS: "10000" },
    });
    const { stack, edges } = edge;
    try {
      // Four users a burst, all signed up first: payments opens their wallets now, not mid-burst.
      const users = await Promise.all(
        Array.from({ length: bursts * 4 }, () => signUp(stack)),
      );
      const mug = await productBySku(stack, "MUG-001");
      const pen = await productBySku(stack, "PEN-006");
      const lamp = await productBySku(stack, "LMP-012");
      // One lamp left: the first burst takes it, the later ones are charged, rejected, refunded.
      const catalog = (await stack.database("catalog")).db;
      await catalog.update(products).set({ stock: 1 }).where(eq(products.id, lamp.id));

      for (let burst = 0; burst < bursts; burst++) {
        await t.step(
          `burst ${burst + 1}: every order ends; the services slept before it`,
          async () => {
            await edge.quiet();
            for (const name of edgeServices) assert.equal(edges[name].running(), 0, name);
            const startsBefore = edgeServices.map((name) => edges[name].coldStarts.length);
            // Paid twice, declined (four pens are more than a wallet of 100.00 holds), and a lamp.
            const orders: [TestUser, { productId: string; quantity: number }[]][] = [
              [mug.id, 1],
              [mug.id, 2],
              [pen.id, 4],
              [lamp.id, 1],
            ].map(([productId, quantity], i) => [
              users[burst * 4 + i],
              [{ productId: productId as string, quantity: quantity as number }],
            ]);
            const placed = await Promise.all(
              orders.map(([user, items]) => placeOrder(stack, user, items)),
            );
            for (const res of placed) assert.equal(res.status, 201, await res.clone().text());
            const ids = await Promise.all(placed.map(async (res) => (await res.json()).orderId));
            const settled = await Promise.all(
              ids.map((id, i) => settledOrder(stack, orders[i][0], id, 60_000)),
            );
            assert.deepEqual(settled.map((order) => [order.status, order.reason ?? null]), [
              ["confirmed", null],
              ["confirmed", null],
              ["cancelled", "payment_declined"],
              burst === 0 ? ["confirmed", null] : ["cancelled", "out_of_stock"],
            ]);
            // Each was woken for this burst: by the request, or by the events it reacts to.
            edgeServices.forEach((name, i) => {
              assert.ok(edges[name].coldStarts.length > startsBefore[i], `${name} never woke`);
            });
          },
        );
      }

      await t.step("every invariant holds over every order", async () => {
        const statuses = await assertSagaInvariants(stack);
        assert.equal(statuses.get("confirmed"), 2 * bursts + 1);
        assert.equal(statuses.get("cancelled"), 2 * bursts - 1);
        const ledger = await moneyLedger(stack);
        assert.equal(ledger.refunds, (bursts - 1) * lamp.priceCents);
        assert.ok(
          edges.orders.coldStarts.some((start) => start.instance === 1),
          "orders never ran a second instance",
        );
      });

      await t.step(
        "a request finding its service asleep is answered after a cold start",
        async () => {
          await edge.quiet();
          const before = edges.catalog.coldStarts.length;
          // Through the gateway, whose RPC deadline (RPC_TIMEOUT_MS, 3 s) the cold start fits in:
          // past it the gateway answers 504, while the bridge tells no responders as 503.
          const res = await stack.request("/products");
          assert.equal(res.status, 200, await res.clone().text());
          assert.ok((await res.json()).items.length > 0);
          assert.equal(edges.catalog.coldStarts.length, before + 1);
          const coldStarts = edgeServices.flatMap((name) =>
            edges[name].coldStarts.map((s) => s.ms)
          );
          console.log(
            `edge saga: ${coldStarts.length} cold starts, p50 ${
              percentile(coldStarts, 50).toFixed(0)
            } ms, max ${Math.max(...coldStarts).toFixed(0)} ms`,
          );
        },
      );

      await t.step(
        "a request without the bridge's signature is refused, and nothing runs",
        async () => {
          const balances = async () => (await moneyLedger(stack)).balances;
          const path = bridgePaths.rpc("deposit");
          const body = new TextEncoder().encode(
            JSON.stringify({ userId: users[0].userId, amountCents: 100_000 }),
          );
          const deposit = (authorization?: string) =>
            fetch(edges.payments.url + path, {
              method: "POST",
              headers: authorization ? { authorization } : {},
              body,
            });
          const signed = (key: CryptoKey) =>
            signBridgeRequest(key, {
              audience: "payments",
              method: "POST",
              pathAndQuery: path,
              body,
            });
          const before = await balances();
          const forger = await importBridgeSigningKey((await generateBridgeKeys()).signingKey);
          for (const authorization of [undefined, "Bridge not-a-token", await signed(forger)]) {
            const res = await deposit(authorization);
            assert.equal(res.status, 401, `${authorization}: ${await res.clone().text()}`);
            assert.match(res.headers.get("content-type") ?? "", /application\/problem\+json/);
            assert.equal((await res.json()).kind, "unauthenticated");
          }
          assert.equal(await balances(), before);
          // The same request signed with the bridge's key is served: the signature was the reason.
          const genuine = await deposit(
            await signed(await importBridgeSigningKey(edge.keys.signingKey)),
          );
          assert.equal(genuine.status, 200, await genuine.clone().text());
          await genuine.body?.cancel();
          assert.equal(await balances(), before + 100_000);
        },
      );
    } finally {
      await edge.close();
    }
  },
});

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
