/**
 * Crashes in the middle of the saga: services killed with SIGKILL and restarted, a commit whose
 * event was never published, nats-server restarted with orders in flight. Every order must
 * still end, and every invariant hold.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { ordersStream } from "../shared/contracts/mod.ts";
import {
  placeOrder,
  productBySku,
  settledOrder,
  signUp,
  type TestUser,
} from "./harness/clients.ts";
import { assertSagaInvariants } from "./harness/invariants.ts";
import { type Stack, startStack } from "./harness/stack.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function placeMany(stack: Stack, users: TestUser[], sku: string) {
  const product = await productBySku(stack, sku);
  const responses = await Promise.all(
    users.map((user) => placeOrder(stack, user, [{ productId: product.id, quantity: 1 }])),
  );
  assert.ok(responses.every((res) => res.status === 201));
  return Promise.all(responses.map(async (res) => (await res.json()).orderId as string));
}

const settleAll = (stack: Stack, users: TestUser[], ids: string[]) =>
  Promise.all(ids.map((id, i) => settledOrder(stack, users[i], id, 90_000)));

Deno.test({
  name: "crashes: SIGKILL payments and catalog mid-saga, then restart them",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const stack = await startStack({ processes: ["payments", "catalog"] });
    try {
      const users = await Promise.all(Array.from({ length: 20 }, () => signUp(stack)));
      const ids = await placeMany(stack, users, "MUG-001");
      await stack.kill("payments");
      await sleep(200);
      await stack.start("payments");
      await stack.kill("catalog");
      await sleep(200);
      await stack.start("catalog");
      const ended = await settleAll(stack, users, ids);
      assert.ok(ended.every((order) => order.status === "confirmed"));
      await assertSagaInvariants(stack);
    } finally {
      await stack.close();
    }
  },
});

Deno.test({
  name: "crashes: orders dies between commit and publish; on restart its outbox publishes",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const stack = await startStack({ processes: ["orders"] });
    try {
      const user = await signUp(stack);
      const pin = await productBySku(stack, "PIN-011");
      await stack.kill("orders");
      const fixture = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          new URL("./fixtures/place_order_then_die.ts", import.meta.url).pathname,
          user.userId,
          pin.id,
          String(pin.priceCents),
        ],
        env: {
          DATA_DIR: stack.processDataDir,
          ...(stack.databases.url ? { DATABASE_URL: stack.databases.url } : {}),
        },
        stdout: "piped",
        stderr: "inherit",
      }).output();
      assert.equal(fixture.signal, "SIGKILL");
      const orderId = new TextDecoder().decode(fixture.stdout).trim();
      const jsm = await jetstreamManager(stack.nc);
      const before = (await jsm.streams.info(ordersStream.name)).state.messages;

      await stack.start("orders");
      const order = await settledOrder(stack, user, orderId);
      assert.equal(order.status, "confirmed");
      const after = (await jsm.streams.info(ordersStream.name)).state.messages;
      assert.equal(after - before, 2, "placed and confirmed, each published once");
      await assertSagaInvariants(stack);
    } finally {
      await stack.close();
    }
  },
});

Deno.test("crashes: nats-server restarted while orders are in flight", async () => {
  const stack = await startStack();
  try {
    const users = await Promise.all(Array.from({ length: 20 }, () => signUp(stack)));
    const ids = await placeMany(stack, users, "NTB-005");
    await stack.nats.restart();
    const ended = await settleAll(stack, users, ids);
    assert.ok(ended.every((order) => order.status === "confirmed"));
    await assertSagaInvariants(stack);
  } finally {
    await stack.close();
  }
});
