/**
 * Graceful shutdown: SIGTERM under load loses nothing that was accepted. The stopping instance
 * finishes what it started, answers no 5xx, and exits within its bound.
 */
import assert from "node:assert/strict";
import { connectNats, serveRpc } from "../shared/bus/mod.ts";
import { catalogApi } from "../shared/contracts/mod.ts";
import { ServiceError } from "../shared/errors/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { assertSagaInvariants } from "./harness/invariants.ts";
import { freePort } from "./harness/nats_server.ts";
import { startStack } from "./harness/stack.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stopTimeoutMs = 5000;

Deno.test({
  name: "SIGTERM to the gateway under load: in-flight requests finish, no 5xx, prompt exit",
  sanitizeResources: false,
  fn: async () => {
    const stack = await startStack({ services: [] });
    const nc = await connectNats(stack.nats.url, "catalog", stack.nats.seed("catalog"), {
      caFile: stack.nats.caFile,
    });
    // Each product read takes 400 ms, so requests are surely in flight when the signal comes.
    const slowCatalog = await serveRpc(nc, catalogApi, {
      listProducts: () => Promise.resolve({ items: [] }),
      getProduct: async ({ productId }) => {
        await sleep(400);
        return { id: productId, sku: "X-1", name: "X", priceCents: 1, available: 1 };
      },
      quote: () => Promise.reject(new ServiceError("internal", "unused")),
    }, { version: "0.0.0-test", log: createLogger({ service: "catalog", level: "error" }) });
    const port = freePort();
    const gateway = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "services/gateway/main.ts"],
      env: {
        NATS_URL: stack.nats.url,
        NATS_NKEY_SEED: stack.nats.seed("gateway")!,
        ...stack.nats.caFile && { NATS_CA_FILE: stack.nats.caFile },
        HTTP_PORT: String(port),
        STOP_TIMEOUT_MS: String(stopTimeoutMs),
        LOG_LEVEL: "info",
      },
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const output = new Response(gateway.stdout).text();
    const url = `http://127.0.0.1:${port}`;
    try {
      for (let i = 0; i < 100; i++) {
        if (await fetch(`${url}/health`).then((r) => r.text().then(() => r.ok), () => false)) break;
        await sleep(100);
      }
      const read = () =>
        fetch(`${url}/products/${crypto.randomUUID()}`)
          .then(async (res) => ({ status: res.status, body: await res.text() }))
          .catch((error) => ({ status: 0, body: String(error) }));

      const inFlight = Array.from({ length: 10 }, read);
      await sleep(100);
      const signalledAt = performance.now();
      gateway.kill("SIGTERM");
      const later: Promise<{ status: number; body: string }>[] = [];
      for (let i = 0; i < 10; i++) {
        later.push(read());
        await sleep(30);
      }

      const accepted = await Promise.all(inFlight);
      assert.deepEqual(
        accepted.map((r) => r.status),
        Array(10).fill(200),
        JSON.stringify(accepted),
      );
      for (const outcome of await Promise.all(later)) {
        // After the signal a request is either still served, or not accepted at all.
        assert.ok(outcome.status === 0 || outcome.status < 500, JSON.stringify(outcome));
      }
      const status = await gateway.status;
      const exitMs = performance.now() - signalledAt;
      assert.equal(status.code, 0);
      assert.ok(exitMs < stopTimeoutMs, `exited after ${exitMs} ms`);
      const lines = (await output).trim().split("\n").map((line) => JSON.parse(line));
      assert.ok(lines.some((line) => line.msg === "stopped"), "it said it stopped");
    } finally {
      try {
        gateway.kill("SIGKILL");
      } catch {
        // already gone
      }
      await slowCatalog.stop();
      await nc.close();
      await stack.close();
    }
  },
});

Deno.test({
  name: "SIGTERM to payments mid-saga: it exits cleanly and no order is lost",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const stack = await startStack({ processes: ["payments"] });
    try {
      const users = await Promise.all(Array.from({ length: 15 }, () => signUp(stack)));
      const sticker = await productBySku(stack, "STK-007");
      const placed = await Promise.all(
        users.map((user) => placeOrder(stack, user, [{ productId: sticker.id, quantity: 1 }])),
      );
      const ids = await Promise.all(placed.map(async (res) => (await res.json()).orderId));
      const status = await stack.kill("payments", "SIGTERM");
      assert.equal(status?.code, 0, "payments stopped cleanly");
      await stack.start("payments");
      const ended = await Promise.all(
        ids.map((id, i) => settledOrder(stack, users[i], id, 60_000)),
      );
      assert.ok(ended.every((order) => order.status === "confirmed"));
      await assertSagaInvariants(stack);
    } finally {
      await stack.close();
    }
  },
});
