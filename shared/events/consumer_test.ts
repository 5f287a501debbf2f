/**
 * The event consumer on a real nats-server and database: each event applied once (duplicates
 * dropped by the stream or skipped by the inbox, redeliveries after commit applied once), poison
 * messages and handlers that keep failing dead-lettered without blocking what comes behind.
 */
import assert from "node:assert/strict";
import { inbox } from "../../services/notifications/db/schema.ts";
import { notificationsHandlers } from "../../services/notifications/handlers.ts";
import { count } from "drizzle-orm";
import { confirmed, log, setUp, until } from "../../tests/harness/event_consumer.ts";
import { orderCancelled, orderConfirmed, ordersStream } from "../contracts/mod.ts";
import { createEvent } from "../outbox/mod.ts";
import { deadLetterHeaders, deadLettersStream, on, startEventConsumer } from "./mod.ts";

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
    }, { reads: handler.reads })
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
