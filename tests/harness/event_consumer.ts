/**
 * Set-up for the event consumer's tests (shared/events): a nats-server with the ORDERS stream,
 * notifications' database, and what the steps count and wait for. Here, not beside them, because
 * it uses a service's schema and handlers, which no module of the kit may import.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { count } from "drizzle-orm";
import { notifications } from "../../services/notifications/db/schema.ts";
import { connectNats, ensureStream } from "../../shared/bus/mod.ts";
import { orderConfirmed, ordersStream } from "../../shared/contracts/mod.ts";
import { createLogger } from "../../shared/log/mod.ts";
import { createEvent } from "../../shared/outbox/mod.ts";
import { deadLettersStream } from "../../shared/events/mod.ts";
import { testDatabases } from "./databases.ts";
import { startNatsServer } from "./nats_server.ts";

/** The consumer's logger: errors only. */
export const log = createLogger({ service: "notifications", level: "error" });
/** A new orders.order.confirmed event, of `orderId` (a random one by default). */
export const confirmed = (orderId = crypto.randomUUID()) =>
  createEvent(orderConfirmed, { orderId, userId: crypto.randomUUID(), totalCents: 100 }, {
    source: "orders",
    correlationId: "c",
  });

/** A nats-server with the ORDERS stream, notifications' database, and what the steps count. */
export async function setUp(client: string) {
  const server = await startNatsServer({ authorization: false });
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
export async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
