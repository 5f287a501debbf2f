import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { count } from "drizzle-orm";
import { inbox, notifications } from "../../services/notifications/db/schema.ts";
import {
  charges,
  inbox as paymentsInbox,
  outbox as paymentsOutbox,
} from "../../services/payments/db/schema.ts";
import { paymentsHandlers } from "../../services/payments/handlers.ts";
import { notificationsHandlers } from "../../services/notifications/handlers.ts";
import type { Database } from "../db/client.ts";
import { adminUrl, testDatabases } from "../../tests/harness/databases.ts";
import { eventually } from "../../tests/harness/eventually.ts";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { connectNats, ensureStream } from "../bus/mod.ts";
import { orderConfirmed, orderPlaced, ordersStream } from "../contracts/mod.ts";
import { createLogger } from "../log/mod.ts";
import { createEvent } from "../outbox/mod.ts";
import { deadLettersStream, on, startEventConsumer } from "./mod.ts";

const confirmed = (totalCents: number) =>
  createEvent(orderConfirmed, {
    orderId: crypto.randomUUID(),
    userId: crypto.randomUUID(),
    totalCents,
  }, { source: "orders", correlationId: "c" });

for (const independentKeys of [false, true]) {
  const name = "consumer batches: waiting events share a transaction, a failure spoils none" +
    (independentKeys ? " (keys side by side)" : "");
  Deno.test(name, () => batchesSpoilNothing(independentKeys));
}

async function batchesSpoilNothing(independentKeys: boolean) {
  const server = await startNatsServer({ authorization: false });
  const databases = await testDatabases();
  const { db } = await databases.open("notifications");
  const nc = await connectNats(server.url, "batching-test");
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  await ensureStream(nc, ordersStream);

  // 60 events wait in the stream before the consumer starts, so its lanes find batches. One of
  // them can never be handled; one is published twice (a re-publish outside the window).
  const events = Array.from({ length: 60 }, (_, i) => confirmed(100 + i));
  const poisonCents = 113;
  for (const event of events) {
    await js.publish(event.type, JSON.stringify(event), { msgID: event.id });
  }
  const twice = events[40];
  await js.publish(twice.type, JSON.stringify(twice), { msgID: `${twice.id}-again` });

  const transactions = new Map<Database, number>();
  const handlers = notificationsHandlers.orders.map((handler) =>
    on(handler.event, async (event, ctx) => {
      transactions.set(ctx.tx, (transactions.get(ctx.tx) ?? 0) + 1);
      if ((event.data as { totalCents?: number }).totalCents === poisonCents) {
        throw new Error("this order's notification cannot be written");
      }
      await handler.handle(event as never, ctx);
    }, { reads: handler.reads })
  );
  const consumer = await startEventConsumer({
    nc,
    service: "notifications",
    stream: ordersStream,
    handlers,
    db,
    inbox,
    log: createLogger({ service: "notifications", level: "error" }),
    maxDeliver: 2,
    backoffMs: [20],
    concurrency: 2,
    independentKeys,
    // Longer than the wait below: a dead letter must be terminated, not left to time out.
    ackWaitMs: 30_000,
  });
  try {
    await eventually(async () => {
      const info = await jsm.consumers.info(ordersStream.name, "notifications");
      return info.num_pending === 0 && info.num_ack_pending === 0 || undefined;
    }, 10_000);
    const [{ n: written }] = await db.select({ n: count() }).from(notifications);
    const [{ n: remembered }] = await db.select({ n: count() }).from(inbox);
    assert.equal(written, 59, "every event but the failing one, the twice-published one once");
    assert.equal(remembered, 59);
    const letters = (await jsm.streams.info(deadLettersStream.name)).state.messages;
    assert.equal(letters, 1, "the failing event is a dead letter");
    assert.ok(
      [...transactions.values()].some((handled) => handled > 1),
      "some transaction applied more than one event",
    );
  } finally {
    await consumer.stop();
    await nc.close();
    await databases.close();
    await server.dispose();
  }
}

Deno.test({
  name: "consumer batches: one user's facts stay in one lane, so batches never deadlock",
  // PGlite runs one transaction at a time: nothing to deadlock.
  ignore: !adminUrl,
  fn: async () => {
    const server = await startNatsServer({ authorization: false });
    const databases = await testDatabases();
    const { db } = await databases.open("payments");
    const nc = await connectNats(server.url, "lanes-test");
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    await ensureStream(nc, ordersStream);

    // Six users, ten orders each, waiting in the stream: every batch charges several wallets.
    const users = Array.from({ length: 6 }, () => crypto.randomUUID());
    for (let i = 0; i < 60; i++) {
      const event = createEvent(orderPlaced, {
        orderId: crypto.randomUUID(),
        userId: users[i % users.length],
        items: [{ productId: crypto.randomUUID(), quantity: 1, unitPriceCents: 100 }],
        totalCents: 100,
      }, { source: "orders", correlationId: "c" });
      await js.publish(event.type, JSON.stringify(event), { msgID: event.id });
    }
    const lines: string[] = [];
    const consumer = await startEventConsumer({
      nc,
      service: "payments",
      stream: ordersStream,
      handlers: paymentsHandlers(10_000).orders,
      db,
      inbox: paymentsInbox,
      outbox: paymentsOutbox,
      log: createLogger({ service: "payments", level: "debug", write: (l) => lines.push(l) }),
      concurrency: 4,
    });
    try {
      await eventually(async () => {
        const info = await jsm.consumers.info(ordersStream.name, "payments");
        return info.num_pending === 0 && info.num_ack_pending === 0 || undefined;
      });
      const [{ n }] = await db.select({ n: count() }).from(charges);
      assert.equal(n, 60);
      const failed = lines.filter((line) => line.includes("a batch failed"));
      assert.deepEqual(failed, [], "no batch failed (a deadlock between lanes would fail one)");
    } finally {
      await consumer.stop();
      await nc.close();
      await databases.close();
      await server.dispose();
    }
  },
});
