import assert from "node:assert/strict";
import { count, eq } from "drizzle-orm";
import { orders, outbox } from "../../services/orders/db/schema.ts";
import { orderConfirmed, orderPlaced } from "../contracts/mod.ts";
import type { Database } from "../db/client.ts";
import { takeWritten } from "../outbox/enqueue.ts";
import type { OutboxRow } from "../outbox/mod.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { transactionFor } from "./transaction.ts";

/** A relay that records what it is handed, reading a commit's rows as the real one does. */
function recordingRelay() {
  const handed: OutboxRow[][] = [];
  return {
    handed,
    committed: (tx: Database) => handed.push(takeWritten(tx, outbox) ?? []),
    stored: (rows: OutboxRow[]) => handed.push(rows),
  };
}

const confirmed = () => ({
  orderId: crypto.randomUUID(),
  userId: crypto.randomUUID(),
  totalCents: 100,
});

Deno.test("ctx.transaction: an endpoint's one way to change state and publish", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("orders");
  const events = async () => (await db.select({ n: count() }).from(outbox))[0].n;
  try {
    await t.step("a committed transaction's events go to the relay as it resolves", async () => {
      const relay = recordingRelay();
      const transaction = transactionFor({ service: "orders", db, outbox, relay }, "c-1");
      const event = await transaction(({ publish }) => publish(orderConfirmed, confirmed()));
      // Handed before anything else ran: no wake, no poll, no read of the table.
      assert.equal(relay.handed.length, 1);
      assert.deepEqual(relay.handed[0].map((row) => row.id), [event.id]);
      assert.equal(event.source, "orders");
      assert.equal(event.correlationId, "c-1");
      assert.equal(event.causationId, null, "a request is no event: nothing caused it");
      const [row] = await db.select().from(outbox).where(eq(outbox.id, event.id));
      assert.deepEqual(JSON.parse(row.payload), event);
    });

    await t.step("a transaction that throws publishes nothing and keeps nothing", async () => {
      const relay = recordingRelay();
      const transaction = transactionFor({ service: "orders", db, outbox, relay }, "c-2");
      const before = await events();
      const orderId = crypto.randomUUID();
      const failure = new Error("the work failed after publishing");
      await assert.rejects(
        transaction(async ({ tx, publish }) => {
          await tx.insert(orders).values({
            id: orderId,
            userId: orderId,
            status: "pending",
            totalCents: 1,
            deadlineAt: new Date(),
          });
          await publish(orderConfirmed, confirmed());
          throw failure;
        }),
        failure,
      );
      assert.equal(await events(), before);
      assert.equal((await db.select().from(orders).where(eq(orders.id, orderId))).length, 0);
      assert.deepEqual(relay.handed, [], "the relay hears of no rolled-back transaction");
    });

    await t.step("a service without an outbox: publish rejects, naming it", async () => {
      const transaction = transactionFor({ service: "tally", db }, "c-3");
      await assert.rejects(
        transaction(({ publish }) => publish(orderConfirmed, confirmed())),
        /^Error: tally cannot publish orders\.order\.confirmed: it publishes no events/,
      );
    });

    await t.step("a single statement: its row goes to the relay once it resolved", async () => {
      const relay = recordingRelay();
      const transaction = transactionFor({ service: "orders", db, outbox, relay }, "c-4");
      const placed = {
        orderId: crypto.randomUUID(),
        userId: crypto.randomUUID(),
        items: [{ productId: crypto.randomUUID(), quantity: 1, unitPriceCents: 100 }],
        totalCents: 100,
      };
      const before = await events();
      const event = await transaction(
        ({ tx, publish }) =>
          publish(orderPlaced, placed, async (row) => {
            assert.equal(tx, db, "no transaction: the statement commits on its own");
            assert.deepEqual(relay.handed, [], "not before the statement");
            await tx.insert(outbox).values(row);
            return true;
          }),
        { singleStatement: true },
      );
      assert.ok(event);
      assert.equal(event.source, "orders");
      assert.equal(event.correlationId, "c-4");
      assert.deepEqual(relay.handed.map((rows) => rows.map((row) => row.id)), [[event.id]]);
      assert.equal(await events(), before + 1);
    });

    await t.step("a single statement that wrote nothing, or failed, hands nothing", async () => {
      const relay = recordingRelay();
      const transaction = transactionFor({ service: "orders", db, outbox, relay }, "c-5");
      const nothing = await transaction(
        ({ publish }) => publish(orderConfirmed, confirmed(), () => Promise.resolve(false)),
        { singleStatement: true },
      );
      assert.equal(nothing, null);
      const failure = new Error("the statement failed");
      await assert.rejects(
        transaction(
          ({ publish }) => publish(orderConfirmed, confirmed(), () => Promise.reject(failure)),
          { singleStatement: true },
        ),
        failure,
      );
      assert.deepEqual(relay.handed, []);
    });
  } finally {
    await databases.close();
  }
});
