/**
 * A rolling restart under load: every service, the gateway included, runs as two instances (each
 * a process of its own; the gateway's behind a balancer that follows their `/ready`, as a
 * Kubernetes Service does), and every service rolls at the same time, each one instance at a time:
 * SIGTERM, then started again, and its twin only once it is ready. Orders and reads keep coming meanwhile: no request is answered with a 5xx (the
 * orders carry an Idempotency-Key, so they are idempotent), no order is lost or doubled, every
 * order ends and the invariants hold. Two instances of a service need Postgres: without
 * DATABASE_URL the file is skipped.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { ordersStream } from "../shared/contracts/mod.ts";
import { registry } from "../services/registry.ts";
import { productBySku, signUp, type TestUser } from "./harness/clients.ts";
import { adminUrl } from "./harness/databases.ts";
import { assertSagaInvariants } from "./harness/invariants.ts";
import { placeOrders, serverErrors, settleAll } from "./harness/order_load.ts";
import { startStack } from "./harness/stack.ts";

if (!adminUrl) {
  console.log("rolling restart: skipped, set DATABASE_URL (two instances need Postgres)");
}

const services = registry.map((service) => service.name);

Deno.test({
  name: "rolling restart of every service under load: no 5xx, no order lost or doubled",
  ignore: !adminUrl,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const stack = await startStack({
      processes: services,
      instances: Object.fromEntries(services.map((name) => [name, 2])),
      // Long enough for the balancer's probe (every 100 ms, each answer up to hundreds of ms on
      // a loaded machine) to see /ready turn 503 before the port closes.
      env: { DRAIN_DELAY_MS: "1000" },
    });

    try {
      const pin = await productBySku(stack, "PIN-011");
      const users = await Promise.all(Array.from({ length: 4 }, () => signUp(stack)));
      let rolling = true;
      const reads = new Map<number, number>();
      const read = async (user: TestUser) => {
        for (
          const path of ["/products", "/wallet", "/orders?limit=5", "/history", "/notifications"]
        ) {
          const res = await stack.request(path, { headers: user.headers }).catch(() => null);
          await res?.body?.cancel();
          reads.set(res?.status ?? 0, (reads.get(res?.status ?? 0) ?? 0) + 1);
        }
      };
      const reading = Promise.all(users.map(async (user) => {
        while (rolling) await read(user);
      }));
      const load = placeOrders(stack, users, {
        perUser: 1,
        until: () => !rolling,
        items: [{ productId: pin.id, quantity: 1 }],
        pauseMs: 300,
        tries: 1,
      });
      // Every service rolls at once, as each Deployment of a cluster does: one instance at a time.
      const restarted: string[] = [];
      const rollStarted = performance.now();
      await Promise.all(services.map(async (name) => {
        for (const instance of stack.instances(name)) {
          await instance.kill("SIGTERM");
          await instance.start();
          restarted.push(name);
        }
      }));
      const rollMs = Math.round(performance.now() - rollStarted);
      rolling = false;
      const [{ placed, answers }] = await Promise.all([load, reading]);
      assert.equal(restarted.length, 2 * services.length);
      assert.equal(serverErrors(answers), "", "orders answered 5xx");
      assert.equal(serverErrors(reads), "", `reads answered 5xx: ${JSON.stringify([...reads])}`);
      const gateways = stack.instances("gateway").map((i) => i.httpPort!);
      for (const port of gateways) {
        assert.ok(stack.balancer!.notReadySeen.get(port), `gateway on ${port} never said 503`);
      }
      const ended = await settleAll(stack, placed);
      // Every order ended as the saga decides (stock and wallets run out), none for lack of time.
      assert.ok(ended.every((order) => order.reason !== "timed_out"));
      const jsm = await jetstreamManager(stack.nc);
      const subject = "orders.order.placed";
      const info = await jsm.streams.info(ordersStream.name, { subjects_filter: subject });
      assert.equal(info.state.subjects?.[subject], placed.length, "placed events");
      await assertSagaInvariants(stack);
      console.log(
        `  rolled in ${rollMs} ms; ${placed.length} orders (${
          ended.filter((o) => o.status === "confirmed").length
        } confirmed), reads ${JSON.stringify([...reads])}, ` +
          `refused connections retried by the balancer: ${stack.balancer!.refused()}`,
      );
    } finally {
      await stack.close();
    }
  },
});
