import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import * as z from "zod";
import { inbox } from "../../services/notifications/db/schema.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { connectNats, ensureStream } from "../bus/mod.ts";
import {
  defineEvent,
  operatorActed,
  orderConfirmed,
  ordersStream,
  stockReleased,
} from "../contracts/mod.ts";
import { createLogger } from "../log/mod.ts";
import { createEvent } from "../outbox/mod.ts";
import { on, orderingKey, startEventConsumer } from "./mod.ts";
import { orderingKeys } from "./ordering.ts";

Deno.test("ordering key: the user, else the order, else the event itself", async (t) => {
  const [o, u] = [crypto.randomUUID(), crypto.randomUUID()];
  const e = crypto.randomUUID();
  const confirmed = { type: orderConfirmed.type, version: orderConfirmed.version };
  const released = { type: stockReleased.type, version: stockReleased.version };
  const items = [{ productId: crypto.randomUUID(), quantity: 1 }];
  const audit = { actor: "ada@example.com", action: "replay", target: "ORDERS", outcome: "done" };

  await t.step("as the event's contract declares it", () => {
    const data = { orderId: o, userId: u, totalCents: 1 };
    assert.equal(orderingKey({ id: e, ...confirmed, data }), `user:${u}`);
    assert.equal(orderingKey({ id: e, ...released, data: { orderId: o, items } }), `order:${o}`);
    assert.equal(
      orderingKey({ id: e, type: operatorActed.type, version: 1, data: audit }),
      `event:${e}`,
    );
  });

  await t.step("an event no contract declares, or not its data, goes by its id", () => {
    const data = { orderId: o, userId: u, totalCents: 1 };
    assert.equal(
      orderingKey({ id: e, type: "elsewhere.thing.happened", version: 1, data }),
      `event:${e}`,
    );
    assert.equal(orderingKey({ id: e, ...confirmed, version: 2, data }), `event:${e}`);
    assert.equal(orderingKey({ id: e, data }), `event:${e}`);
    assert.equal(orderingKey({ id: e, ...confirmed, data: {} }), `event:${e}`);
    assert.equal(orderingKey({ id: e, ...confirmed, data: { ...data, userId: 7 } }), `event:${e}`);
  });

  await t.step("the kit reads only the definitions it is given", () => {
    const keyOf = orderingKeys([orderConfirmed]);
    const data = { orderId: o, userId: u, totalCents: 1 };
    assert.equal(keyOf({ id: e, ...confirmed, data }), `user:${u}`);
    assert.equal(keyOf({ id: e, ...released, data: { orderId: o, items } }), `event:${e}`);
    const undeclared = defineEvent("elsewhere.thing.happened", 1, z.object({ userId: z.string() }));
    const { type, version } = undeclared;
    assert.equal(
      orderingKeys([undeclared])({ id: e, type, version, data: { userId: u } }),
      `event:${e}`,
    );
    assert.throws(() => orderingKeys([orderConfirmed, orderConfirmed]), /defined twice/);
  });
});

/**
 * Eight users' orders, ten events each, through a consumer with `options`: the order each
 * order's events were handled in, and how many handlers ran at once at most.
 */
async function consumeOrders(options: { concurrency: number; independentKeys?: boolean }) {
  const server = await startNatsServer({ authorization: false });
  const databases = await testDatabases();
  const { db } = await databases.open("notifications");
  const nc = await connectNats(server.url, "ordering-test");
  await ensureStream(nc, ordersStream);
  const seen = new Map<string, number[]>();
  let running = 0;
  let mostAtOnce = 0;
  const js = jetstream(nc);
  const orders = Array.from({ length: 8 }, () => crypto.randomUUID());
  const userOf = new Map(orders.map((orderId) => [orderId, crypto.randomUUID()]));
  // Published before the consumer starts, so that its lanes find batches waiting.
  for (let step = 0; step < 10; step++) {
    for (const orderId of orders) {
      const event = createEvent(orderConfirmed, {
        orderId,
        userId: userOf.get(orderId)!,
        totalCents: step,
      }, { source: "orders", correlationId: "c" });
      await js.publish(event.type, JSON.stringify(event), { msgID: event.id });
    }
  }
  const consumer = await startEventConsumer({
    nc,
    service: "ordering",
    stream: ordersStream,
    handlers: [on(orderConfirmed, async (event) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      // Later events of an order finish sooner: only the consumer's ordering keeps them in line.
      await new Promise((r) => setTimeout(r, 30 - event.data.totalCents));
      seen.set(event.data.orderId, [...seen.get(event.data.orderId) ?? [], event.data.totalCents]);
      running--;
    }, { reads: ["orderId", "totalCents"] })],
    db,
    inbox,
    log: createLogger({ service: "test", level: "error" }),
    ...options,
  });
  try {
    const until = Date.now() + 10_000;
    while ([...seen.values()].flat().length < 80 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return { orders, seen, mostAtOnce, driver: databases.driver };
  } finally {
    await consumer.stop();
    await nc.close();
    await databases.close();
    await server.dispose();
  }
}

const inStreamOrder = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

Deno.test("consumer: one order's events in stream order, different orders side by side", async () => {
  // Eight users' orders over eight lanes: the chance that all share one lane is 8^-7.
  const { orders, seen, mostAtOnce, driver } = await consumeOrders({ concurrency: 8 });
  for (const orderId of orders) assert.deepEqual(seen.get(orderId), inStreamOrder, orderId);
  // Handlers run inside their transaction, and PGlite runs one transaction at a time.
  if (driver === "postgres") {
    assert.ok(mostAtOnce > 1, "events of different orders ran side by side");
  } else assert.equal(mostAtOnce, 1);
});

Deno.test("consumer: one lane applies a batch one event after another", async () => {
  const { orders, seen, mostAtOnce } = await consumeOrders({ concurrency: 1 });
  for (const orderId of orders) assert.deepEqual(seen.get(orderId), inStreamOrder, orderId);
  assert.equal(mostAtOnce, 1);
});

Deno.test("consumer: with independent keys, a batch applies different users side by side", async () => {
  const { orders, seen, mostAtOnce } = await consumeOrders({
    concurrency: 1,
    independentKeys: true,
  });
  for (const orderId of orders) assert.deepEqual(seen.get(orderId), inStreamOrder, orderId);
  // One lane, so one transaction at a time, on either driver: the handlers inside it overlap.
  assert.ok(mostAtOnce > 1, `at most ${mostAtOnce} at once`);
  assert.ok(mostAtOnce <= orders.length, "no more than one handler per user at once");
});
