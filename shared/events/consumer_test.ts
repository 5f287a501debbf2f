import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { count } from "drizzle-orm";
import { inbox, notifications } from "../../services/notifications/db/schema.ts";
import { notificationsHandlers } from "../../services/notifications/handlers.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { connectNats, ensureStream } from "../bus/mod.ts";
import { orderCancelled, orderConfirmed, ordersStream } from "../contracts/mod.ts";
import { probeRoutes } from "../health/mod.ts";
import { createLogger } from "../log/mod.ts";
import { createEvent } from "../outbox/mod.ts";
import {
  deadLetterHeaders,
  deadLettersStream,
  on,
  sendToDeadLetters,
  startEventConsumer,
} from "./mod.ts";
import { filterSubject } from "./durable.ts";

const log = createLogger({ service: "notifications", level: "error" });
const confirmed = (orderId = crypto.randomUUID()) =>
  createEvent(orderConfirmed, { orderId, userId: crypto.randomUUID(), totalCents: 100 }, {
    source: "orders",
    correlationId: "c",
  });

Deno.test("consumer filter: the one type its handlers know, else the whole stream", () => {
  const handle = () => Promise.resolve();
  const cancelledOnly = [on(orderCancelled, handle)];
  assert.equal(filterSubject(ordersStream, cancelledOnly), "orders.order.cancelled");
  const both = [on(orderCancelled, handle), on(orderConfirmed, handle)];
  assert.equal(filterSubject(ordersStream, both), "orders.>");
});

/** A nats-server with the ORDERS stream, notifications' database, and what the steps count. */
async function setUp(client: string) {
  const server = await startNatsServer();
  const databases = await testDatabases();
  const { db } = await databases.open("notifications");
  const nc = await connectNats(server.url, client);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  await ensureStream(nc, ordersStream);
  const notificationCount = async () => (await db.select({ n: count() }).from(notifications))[0].n;
  // Zero until the first dead letter makes the stream.
  const deadLetters = async () => {
    const { state } = await jsm.streams.info(deadLettersStream.name).catch(() => ({
      state: { messages: 0 },
    }));
    return state.messages;
  };
  return { server, databases, db, nc, js, jsm, notificationCount, deadLetters };
}

/** Polls `condition` (a rejection counts as not yet) until it holds, or fails naming `what`. */
async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("event consumer: once per event, dead letters, never blocked", async (t) => {
  const { server, databases, db, nc, js, jsm, notificationCount, deadLetters } = await setUp(
    "consumer-test",
  );

  let failCommits = 0;
  let handled = 0;
  const counted = notificationsHandlers.orders.map((handler) =>
    on(handler.event, async (event, ctx) => {
      handled++;
      if (event.type === orderCancelled.type) throw new Error("cancellations are broken today");
      await handler.handle(event as never, ctx);
    })
  );
  const consumer = await startEventConsumer({
    nc,
    service: "notifications",
    stream: ordersStream,
    handlers: counted,
    db,
    inbox,
    log,
    maxDeliver: 3,
    backoffMs: [50],
    // Longer than `until` waits: a dead letter must be terminated, not left to time out.
    ackWaitMs: 30_000,
    afterCommit: () => {
      if (failCommits > 0) {
        failCommits--;
        throw new Error("crashed after the commit, before the ack");
      }
    },
  });
  const publish = (event: { id: string; type: string }, msgID = event.id) =>
    js.publish(event.type, JSON.stringify(event), { msgID });

  try {
    await t.step("an event is handled once", async () => {
      await publish(confirmed());
      await until(async () => (await notificationCount()) === 1, "the first notification");
    });

    await t.step("published twice inside the window: the stream drops the second", async () => {
      const event = confirmed();
      assert.equal((await publish(event)).duplicate, false);
      assert.equal((await publish(event)).duplicate, true);
      await until(async () => (await notificationCount()) === 2, "the second notification");
    });

    await t.step("re-published outside the window (new msg id): the inbox skips it", async () => {
      const event = confirmed();
      await publish(event);
      await until(async () => (await notificationCount()) === 3, "the third notification");
      const before = handled;
      await publish(event, `${event.id}-after-the-window`);
      const marker = confirmed();
      await publish(marker);
      await until(async () => (await notificationCount()) === 4, "the marker behind it");
      // The re-publish reached the consumer (handled counts the marker only) and changed nothing.
      assert.equal(handled, before + 1);
    });

    await t.step("redelivered after commit but before ack: applied once", async () => {
      failCommits = 1;
      const before = handled;
      await publish(confirmed());
      await until(async () => (await notificationCount()) === 5, "the fifth notification");
      await until(async () => {
        const now = await jsm.consumers.info(ordersStream.name, "notifications");
        return now.num_ack_pending === 0 && now.num_pending === 0;
      }, "the redelivery to be acked");
      assert.equal(handled, before + 1);
      const info = await jsm.consumers.info(ordersStream.name, "notifications");
      assert.ok(info.delivered.consumer_seq > info.delivered.stream_seq, "it was redelivered");
      const [{ n }] = await db.select({ n: count() }).from(inbox);
      assert.equal(n, 5);
    });

    await t.step("a poison message goes to dead letters and blocks nothing behind it", async () => {
      await js.publish(orderConfirmed.subject, "this is not JSON");
      await js.publish(orderConfirmed.subject, JSON.stringify({ ...confirmed(), data: {} }));
      await publish(confirmed());
      await until(async () => (await notificationCount()) === 6, "the event behind the poison");
      await until(async () => (await deadLetters()) === 2, "two dead letters");
      const letter = await jsm.streams.getMessage(deadLettersStream.name, { seq: 1 });
      assert.ok(letter);
      // One subject per (consumer, stream, sequence): the letter is looked up before it is written.
      const seq = letter.header.get(deadLetterHeaders.sequence);
      assert.equal(letter.subject, `deadletter.notifications.ORDERS.${seq}`);
      assert.equal(letter.header.get(deadLetterHeaders.subject), orderConfirmed.subject);
      assert.equal(letter.header.get(deadLetterHeaders.stream), ordersStream.name);
      assert.match(
        letter.header.get(deadLetterHeaders.reason),
        /^not an event: not JSON: Unexpected token/,
      );
      assert.equal(new TextDecoder().decode(letter.data), "this is not JSON");
      await until(async () => {
        const info = await jsm.consumers.info(ordersStream.name, "notifications");
        return info.num_ack_pending === 0;
      }, "the dead letters to be terminated");
    });

    await t.step("a handler that keeps failing: dead letter after max deliveries", async () => {
      const cancelled = createEvent(orderCancelled, {
        orderId: crypto.randomUUID(),
        userId: crypto.randomUUID(),
        reason: "out_of_stock",
      }, { source: "orders", correlationId: "c" });
      await publish(cancelled);
      await publish(confirmed());
      await until(async () => (await deadLetters()) === 3, "the exhausted message");
      const letter = await jsm.streams.getMessage(deadLettersStream.name, { seq: 3 });
      assert.match(letter!.header.get(deadLetterHeaders.reason), /^failed 3 times/);
      await until(async () => (await notificationCount()) === 7, "the event behind it");
    });

    await t.step("fields a consumer does not know are ignored, not refused", async () => {
      const event = { ...confirmed(), addedLater: true };
      event.data = { ...event.data, couponCode: "NEW" } as typeof event.data;
      await publish(event);
      await until(async () => (await notificationCount()) === 8, "the event with extra fields");
    });
  } finally {
    await consumer.stop();
    await nc.close();
    await databases.close();
    await server.dispose();
  }
});

Deno.test("event consumer heals: a lost durable or store is made again", async (t) => {
  const { server, databases, db, nc, js, jsm, notificationCount, deadLetters } = await setUp(
    "consumer-heal-test",
  );
  let handled = 0;
  const counted = notificationsHandlers.orders.map((handler) =>
    on(handler.event, (event, ctx) => (handled++, handler.handle(event as never, ctx)))
  );
  const start = () =>
    startEventConsumer({
      nc,
      service: "notifications",
      stream: ordersStream,
      handlers: counted,
      db,
      inbox,
      log,
      maxDeliver: 2,
      backoffMs: [50],
    });
  let consumer = await start();
  const health = probeRoutes({ events: () => consumer.ready() });
  const readiness = async () => (await health.request("/ready")).status;
  const publish = (event: { id: string; type: string }) =>
    js.publish(event.type, JSON.stringify(event), { msgID: event.id });

  try {
    await t.step("a deleted durable is recreated after the last applied event", async () => {
      for (let i = 0; i < 3; i++) await publish(confirmed());
      await until(async () => (await notificationCount()) === 3, "three notifications");
      assert.equal(await readiness(), 200);
      const before = handled;
      await jsm.consumers.delete(ordersStream.name, "notifications");
      await until(async () => (await readiness()) === 503, "readiness to fail");
      await until(async () => (await readiness()) === 200, "readiness to recover");
      const { config } = await jsm.consumers.info(ordersStream.name, "notifications");
      assert.equal(config.deliver_policy, "by_start_sequence");
      assert.equal(config.opt_start_seq, 4);
      await publish(confirmed());
      await until(async () => (await notificationCount()) === 4, "the event after the heal");
      assert.equal(handled, before + 1, "an event applied before was handled again");
    });

    await t.step("a server back with an empty store: stream and durable made again", async () => {
      await server.stop();
      await server.wipeStore();
      await server.start();
      await until(async () => (await readiness()) === 503, "readiness to fail");
      await until(async () => (await readiness()) === 200, "readiness to recover");
      // The new stream ends before the inbox's position: it was rebuilt, so read from its start.
      const { config } = await jsm.consumers.info(ordersStream.name, "notifications");
      assert.equal(config.deliver_policy, "all");
      await publish(confirmed());
      await until(
        async () => (await notificationCount()) === 5,
        "the first event of the new stream",
      );
    });

    await t.step("a dead letter is recorded once, across a recreated durable", async () => {
      await js.publish(orderConfirmed.subject, "this is not JSON");
      await until(async () => (await deadLetters()) === 1, "the dead letter");
      await consumer.stop();
      // The durable restarts at the poison message: the last event applied comes before it.
      await jsm.consumers.delete(ordersStream.name, "notifications");
      consumer = await start();
      const marker = confirmed();
      const { seq } = await publish(marker);
      await until(async () => (await notificationCount()) === 6, "the event behind the poison");
      await until(async () => {
        const info = await jsm.consumers.info(ordersStream.name, "notifications");
        return info.ack_floor.stream_seq === seq;
      }, "everything to be settled");
      assert.equal(await deadLetters(), 1);
    });

    await t.step("a dead letter is recorded once after the duplicate window, too", async () => {
      const letter = await jsm.streams.getMessage(deadLettersStream.name, { seq: 1 });
      // The stream forgets message ids after its window: shorten it, and let it pass.
      const info = await jsm.streams.info(deadLettersStream.name);
      await jsm.streams.update(deadLettersStream.name, {
        ...info.config,
        duplicate_window: 100_000_000,
      });
      await new Promise((r) => setTimeout(r, 500));
      const again = await sendToDeadLetters(nc, "notifications", {
        subject: orderConfirmed.subject,
        data: letter!.data,
        info: {
          stream: ordersStream.name,
          streamSequence: Number(letter!.header.get(deadLetterHeaders.sequence)),
        },
      }, "not an event");
      assert.equal(again, "already");
      assert.equal(await deadLetters(), 1);
    });

    await t.step("a message too big to copy is dead-lettered by reference", async () => {
      // Under max_payload itself, but not with a dead letter's headers besides.
      const big = JSON.stringify({ padding: "x".repeat(1024 * 1024 - 150) });
      const { seq } = await js.publish(orderConfirmed.subject, big);
      await until(async () => (await deadLetters()) === 2, "the dead letter");
      const letter = await jsm.streams.getMessage(deadLettersStream.name, {
        last_by_subj: `deadletter.notifications.ORDERS.${seq}`,
      });
      assert.ok(letter);
      assert.equal(letter.header.get(deadLetterHeaders.byReference), "true");
      assert.equal(letter.header.get(deadLetterHeaders.size), String(big.length));
      assert.equal(letter.header.get(deadLetterHeaders.sequence), String(seq));
      assert.equal(letter.data.length, 0);
    });
  } finally {
    await consumer.stop();
    await nc.close();
    await databases.close();
    await server.dispose();
  }
});
