import assert from "node:assert/strict";
import { count } from "drizzle-orm";
import { inbox, outbox } from "../../services/orders/db/schema.ts";
import { type Envelope, orderConfirmed, paymentCharged } from "../contracts/mod.ts";
import type { Database } from "../db/client.ts";
import { createLogger } from "../log/mod.ts";
import { takeWritten } from "../outbox/enqueue.ts";
import { createEvent, type OutboxRow } from "../outbox/mod.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { eventDispatcher, type StreamMessage } from "./dispatch.ts";
import { on } from "./handler.ts";

const log = createLogger({ service: "orders", level: "error" });
const message = (event: Envelope): StreamMessage => {
  const data = new TextEncoder().encode(JSON.stringify(event));
  return {
    subject: event.type,
    data,
    json: <T>() => JSON.parse(new TextDecoder().decode(data)) as T,
  };
};
const charged = () =>
  createEvent(paymentCharged, {
    orderId: crypto.randomUUID(),
    userId: crypto.randomUUID(),
    amountCents: 100,
    items: [{ productId: crypto.randomUUID(), quantity: 1 }],
  }, { source: "payments", correlationId: `saga-${crypto.randomUUID()}` });

/** Confirms the charged order: publishes one event, the runtime supplies the rest. */
const confirm = on(paymentCharged, async (event, { publish }) => {
  await publish(orderConfirmed, {
    orderId: event.data.orderId,
    userId: event.data.userId,
    totalCents: event.data.amountCents,
  });
}, { reads: ["orderId", "userId", "amountCents"] });

Deno.test("a handler's publish: stated by its service, caused by the event it handles", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("orders");
  const events = async () => (await db.select({ n: count() }).from(outbox))[0].n;
  try {
    await t.step("source, correlation and causation come from the runtime", async () => {
      const handed: OutboxRow[][] = [];
      const dispatcher = eventDispatcher({
        service: "orders",
        handlers: [confirm],
        db,
        inbox,
        outbox,
        log,
        afterCommit: (tx: Database) => handed.push(takeWritten(tx, outbox) ?? []),
      });
      const cause = charged();
      assert.equal((await dispatcher.deliver(message(cause))).outcome, "applied");
      assert.equal(handed.length, 1, "the commit was told to the relay");
      const [row] = handed[0];
      const published = orderConfirmed.schema.parse(JSON.parse(row.payload));
      assert.equal(published.source, "orders");
      assert.equal(published.correlationId, cause.correlationId);
      assert.equal(published.causationId, cause.id);
      assert.equal(published.data.orderId, cause.data.orderId);
    });

    await t.step("a service that publishes nothing: the handler fails, naming it", async () => {
      const dispatcher = eventDispatcher({ service: "tally", handlers: [confirm], db, inbox, log });
      const before = await events();
      await assert.rejects(
        dispatcher.deliver(message(charged())),
        /^Error: tally cannot publish orders\.order\.confirmed: it publishes no events/,
      );
      assert.equal(await events(), before);
    });
  } finally {
    await databases.close();
  }
});
