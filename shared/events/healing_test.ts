/**
 * The event consumer heals: a deleted durable is recreated after the last applied event, a server
 * back with an empty store gets its stream and durable again, and a dead letter is recorded once
 * across both; a message too big to copy is dead-lettered by reference.
 */
import assert from "node:assert/strict";
import { inbox } from "../../services/notifications/db/schema.ts";
import { notificationsHandlers } from "../../services/notifications/handlers.ts";
import { confirmed, log, setUp, until } from "../../tests/harness/event_consumer.ts";
import { orderConfirmed, ordersStream } from "../contracts/mod.ts";
import { probeRoutes } from "../health/mod.ts";
import {
  deadLetterHeaders,
  deadLettersStream,
  on,
  sendToDeadLetters,
  startEventConsumer,
} from "./mod.ts";

Deno.test("event consumer heals: a lost durable or store is made again", async (t) => {
  const { server, databases, db, nc, js, jsm, notificationCount, deadLetters } = await setUp(
    "consumer-heal-test",
  );
  let handled = 0;
  const counted = notificationsHandlers.orders.map((handler) =>
    on(handler.event, (event, ctx) => (handled++, handler.handle(event as never, ctx)), {
      reads: handler.reads,
    })
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
