import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { count } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { inbox, notifications } from "../../services/notifications/db/schema.ts";
import { notificationsHandlers } from "../../services/notifications/handlers.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { eventually } from "../../tests/harness/eventually.ts";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { connectNats, ensureStream } from "../bus/mod.ts";
import { orderConfirmed, ordersStream } from "../contracts/mod.ts";
import { createLogger } from "../log/mod.ts";
import { createEvent } from "../outbox/mod.ts";
import { eventDispatcher, startEventConsumer } from "./mod.ts";

Deno.test("event consumer: a dispatcher given is the one it applies events with", async () => {
  const server = await startNatsServer({ authorization: false });
  const databases = await testDatabases();
  const { db } = await databases.open("notifications");
  const nc = await connectNats(server.url, "shared-dispatcher-test");
  await ensureStream(nc, ordersStream);
  const log = createLogger({ service: "notifications", level: "error" });
  const handlers = notificationsHandlers.orders;
  // Only the given dispatcher tells of its commits: one the consumer made itself would not.
  const commits: Database[] = [];
  const dispatcher = eventDispatcher({
    service: "notifications",
    handlers,
    db,
    inbox,
    log,
    afterCommit: (tx) => commits.push(tx),
  });
  const consumer = await startEventConsumer({
    nc,
    service: "notifications",
    stream: ordersStream,
    handlers,
    db,
    inbox,
    log,
    dispatcher,
  });
  try {
    const event = createEvent(orderConfirmed, {
      orderId: crypto.randomUUID(),
      userId: crypto.randomUUID(),
      totalCents: 100,
    }, { source: "orders", correlationId: "c" });
    await jetstream(nc).publish(event.type, JSON.stringify(event), { msgID: event.id });
    await eventually(() => Promise.resolve(commits.length > 0 || undefined), 5_000).catch(() => {});
    const [{ n }] = await db.select({ n: count() }).from(notifications);
    assert.equal(n, 1, "the event was applied");
    assert.equal(
      commits.length,
      1,
      "its transaction was told to the given dispatcher's afterCommit",
    );
  } finally {
    await consumer.stop();
    await nc.close();
    await databases.close();
    await server.dispose();
  }
});
