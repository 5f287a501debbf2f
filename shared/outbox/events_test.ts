/**
 * An event too big for NATS is refused where it is enqueued: the work that made it fails and
 * nothing of it is committed, rather than an outbox row that no relay can ever publish.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { count, eq } from "drizzle-orm";
import { orders, outbox, timeline } from "../../services/orders/db/schema.ts";
import { transaction } from "../db/transaction.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { placeOrder } from "../../services/orders/store.ts";
import { connectNats, ensureStream } from "../bus/mod.ts";
import { PayloadTooLarge } from "../bus/payload.ts";
import { orderPlaced, ordersStream } from "../contracts/mod.ts";
import { createLogger } from "../log/mod.ts";
import { outbox as usersOutbox } from "../../services/users/db/schema.ts";
import {
  createEvent,
  enqueueEvent,
  outboxHeaderBytes,
  payloadOf,
  publishesThrough,
  refuseOversizedEvent,
  startOutboxRelay,
  statementPublisher,
} from "./mod.ts";

const origin = { source: "orders", correlationId: "c-1" };
const userId = crypto.randomUUID();
const lines = (n: number) =>
  Array.from({ length: n }, () => ({
    productId: crypto.randomUUID(),
    quantity: 1,
    unitPriceCents: 100,
  }));
/** An order's placed event with `n` lines: about 80 bytes a line. */
const placed = (n: number) =>
  createEvent(orderPlaced, {
    orderId: crypto.randomUUID(),
    userId,
    items: lines(n),
    totalCents: n * 100,
  }, origin);
const maxPayload = 4096;

Deno.test("outbox: an event over max_payload is refused where it is enqueued", async (t) => {
  const server = await startNatsServer({ maxPayload, authorization: false });
  const databases = await testDatabases();
  const { db } = await databases.open("orders");
  const nc = await connectNats(server.url, "outbox-size-test");
  const log = createLogger({ service: "orders", level: "error" });
  const relay = startOutboxRelay({ service: "orders", db, table: outbox, nc, log, pollMs: 100 });
  const rows = async () => (await db.select({ n: count() }).from(outbox))[0].n;
  try {
    await ensureStream(nc, ordersStream);

    await t.step("held to the max_payload of the relay's server, or 1 MiB", () => {
      const big = placed(100);
      assert.ok(payloadOf(big).length > maxPayload && payloadOf(big).length < 20_000);
      const error = (() => {
        try {
          refuseOversizedEvent(big, outbox);
        } catch (e) {
          return e;
        }
      })();
      assert.ok(error instanceof PayloadTooLarge);
      assert.equal(error.maxPayload, maxPayload);
      assert.match(
        error.message,
        /^the event orders\.order\.placed \S+ with room for its headers is \d+ bytes, over the NATS server's max_payload of 4096$/,
      );
      refuseOversizedEvent(placed(10), outbox);
      // An outbox no relay spoke for: NATS's default.
      refuseOversizedEvent(big, usersOutbox);
      // Just under and just over, headers counted.
      const fits = placed(10);
      const limit = payloadOf(fits).length + outboxHeaderBytes;
      const exactly = { ...usersOutbox };
      publishesThrough(exactly as never, { info: { max_payload: limit } as never });
      refuseOversizedEvent(fits, exactly as never);
      publishesThrough(exactly as never, { info: { max_payload: limit - 1 } as never });
      assert.throws(() => refuseOversizedEvent(fits, exactly as never), PayloadTooLarge);
    });

    await t.step("in a transaction: it fails, and nothing of it is committed", async () => {
      const before = await rows();
      const orderId = crypto.randomUUID();
      const step = { orderId, type: "orders.order.placed", source: "orders", at: new Date() };
      // shared/db/transaction.ts's, whose writes go with the commit, and drizzle's own.
      const plain: typeof transaction = (on, work) => on.transaction(work);
      for (const run of [transaction, plain]) {
        const error = await run(db, async (tx) => {
          await tx.insert(timeline).values(step);
          await enqueueEvent(tx, outbox, placed(100));
        }).catch((e: unknown) => e);
        assert.ok(error instanceof PayloadTooLarge, String(error));
        assert.equal(await rows(), before);
        const steps = await db.select().from(timeline).where(eq(timeline.orderId, orderId));
        assert.equal(steps.length, 0, "the work before it rolled back");
      }
    });

    await t.step("placing an order with an event too big writes nothing", async () => {
      const before = await rows();
      const publish = statementPublisher(outbox, origin, relay.stored);
      const error = await placeOrder(
        db,
        { userId, items: lines(100), totalCents: 10_000, deadlineAt: new Date() },
        publish,
      )
        .catch((e) => e);
      assert.ok(error instanceof PayloadTooLarge, String(error));
      assert.equal(await rows(), before);
      assert.equal((await db.select().from(orders).where(eq(orders.userId, userId))).length, 0);
    });

    await t.step("an event that fits is published", async () => {
      const event = placed(10);
      await transaction(db, (tx) => enqueueEvent(tx, outbox, event));
      relay.wake();
      await relay.flush();
      const jsm = await jetstreamManager(nc);
      const stored = await jsm.streams.getMessage(ordersStream.name, { last_by_subj: event.type });
      assert.equal(stored?.json<{ id: string }>().id, event.id);
    });
  } finally {
    await relay.stop();
    await nc.close();
    await databases.close();
    await server.dispose();
  }
});
