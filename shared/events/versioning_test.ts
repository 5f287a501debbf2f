/**
 * A producer moves to v2 of an event while old consumers keep working: it publishes both
 * versions of each fact; an old consumer reads v1 and ignores v2, a new one the other way
 * round, and neither dead-letters anything. A field added to v1 is ignored by old readers.
 */
import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import * as z from "zod";
import { inbox } from "../../services/notifications/db/schema.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { connectNats, ensureStream } from "../bus/mod.ts";
import { defineEvent, type EventOf, orderConfirmed, ordersStream } from "../contracts/mod.ts";
import { createLogger } from "../log/mod.ts";
import { createEvent } from "../outbox/mod.ts";
import { deadLettersStream, on, startEventConsumer } from "./mod.ts";

/** v2 states the currency with the total; v1 readers never see it. */
const orderConfirmedV2 = defineEvent(
  "orders.order.confirmed",
  2,
  z.object({
    orderId: z.uuid(),
    userId: z.uuid(),
    total: z.object({ cents: z.number().int(), currency: z.string().length(3) }),
  }),
);

Deno.test("event versions: old and new consumers side by side", async () => {
  const server = await startNatsServer({ authorization: false });
  const databases = await testDatabases();
  const { db } = await databases.open("notifications");
  const nc = await connectNats(server.url, "versioning-test");
  await ensureStream(nc, ordersStream);
  const log = createLogger({ service: "test", level: "error" });
  const seenByOld: EventOf<typeof orderConfirmed>[] = [];
  const seenByNew: EventOf<typeof orderConfirmedV2>[] = [];
  const consumers = [
    await startEventConsumer({
      nc,
      service: "old-reader",
      stream: ordersStream,
      handlers: [on(orderConfirmed, (event) => Promise.resolve(void seenByOld.push(event)), {
        reads: ["orderId", "userId", "totalCents"],
      })],
      db,
      inbox,
      log,
    }),
    await startEventConsumer({
      nc,
      service: "new-reader",
      stream: ordersStream,
      handlers: [on(orderConfirmedV2, (event) => Promise.resolve(void seenByNew.push(event)), {
        reads: ["orderId", "userId", "total"],
      })],
      db,
      inbox,
      log,
    }),
  ];
  try {
    const js = jetstream(nc);
    const origin = { source: "orders", correlationId: "c" };
    const orderId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const v1 = createEvent(orderConfirmed, { orderId, userId, totalCents: 2400 }, origin);
    const v2 = createEvent(orderConfirmedV2, {
      orderId,
      userId,
      total: { cents: 2400, currency: "EUR" },
    }, origin);
    // A later v1 with a field added: old readers must not mind.
    const v1Plus = { ...createEvent(orderConfirmed, { orderId, userId, totalCents: 1 }, origin) };
    v1Plus.data = { ...v1Plus.data, currency: "EUR" } as typeof v1Plus.data;
    for (const event of [v1, v2, v1Plus]) {
      await js.publish(event.type, JSON.stringify(event), { msgID: event.id });
    }

    const until = Date.now() + 5000;
    while ((seenByOld.length < 2 || seenByNew.length < 1) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(seenByOld.map((e) => e.id), [v1.id, v1Plus.id]);
    assert.deepEqual(seenByNew.map((e) => e.id), [v2.id]);
    assert.equal(seenByNew[0].data.total.currency, "EUR");
    assert.equal("currency" in seenByOld[1].data, false, "unknown fields are dropped");
    const jsm = await jetstreamManager(nc);
    const dead = await jsm.streams.info(deadLettersStream.name);
    assert.equal(dead.state.messages, 0);
  } finally {
    for (const consumer of consumers) await consumer.stop();
    await nc.close();
    await databases.close();
    await server.dispose();
  }
});
