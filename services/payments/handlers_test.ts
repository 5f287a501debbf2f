import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { charges, deposits, inbox, outbox, wallets } from "./db/schema.ts";
import { orderPlaced, userRegistered } from "../../shared/contracts/mod.ts";
import { eventDispatcher, handlerContext } from "../../shared/events/mod.ts";
import { createLogger } from "../../shared/log/mod.ts";
import { createEvent } from "../../shared/outbox/mod.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { paymentsHandlers } from "./handlers.ts";

const log = createLogger({ service: "payments", level: "error" });
const origin = { source: "test", correlationId: "c-1" };
const handlers = paymentsHandlers(5000);
const publishing = { service: "payments", outbox, log };

Deno.test("payments: an order that arrives before its user's registration", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("payments");
  const userId = crypto.randomUUID();
  try {
    await t.step("opens the wallet with the starting balance, then charges it", async () => {
      const placed = createEvent(orderPlaced, {
        orderId: crypto.randomUUID(),
        userId,
        items: [{ productId: crypto.randomUUID(), quantity: 1, unitPriceCents: 1200 }],
        totalCents: 1200,
      }, origin);
      await db.transaction((tx) =>
        handlers.orders[0].handle(placed, handlerContext(tx, placed, publishing))
      );
      const [wallet] = await db.select().from(wallets).where(eq(wallets.userId, userId));
      assert.equal(wallet.balanceCents, 3800);
      assert.equal((await db.select().from(charges)).length, 1);
      const [published] = await db.select().from(outbox);
      assert.equal(published.subject, "payments.payment.charged");
      // Stated by payments, in the order's saga, caused by the order.
      const charged = JSON.parse(published.payload);
      assert.equal(charged.source, "payments");
      assert.equal(charged.correlationId, "c-1");
      assert.equal(charged.causationId, placed.id);
    });

    await t.step("the registration that follows changes nothing", async () => {
      const registered = createEvent(userRegistered, {
        userId,
        email: "late@example.com",
        name: "Late",
      }, origin);
      await db.transaction((tx) =>
        handlers.users[0].handle(registered, handlerContext(tx, registered, publishing))
      );
      const [wallet] = await db.select().from(wallets).where(eq(wallets.userId, userId));
      assert.equal(wallet.balanceCents, 3800);
      const opening = await db.select().from(deposits).where(eq(deposits.userId, userId));
      assert.deepEqual(opening.map((d) => [d.kind, d.amountCents]), [["opening", 5000]]);
    });
  } finally {
    await databases.close();
  }
});

Deno.test("payments: a placed order with a 400 KB correlation id is invalid, not charged", async () => {
  const databases = await testDatabases();
  const { db } = await databases.open("payments");
  try {
    const dispatcher = eventDispatcher({
      service: "payments",
      handlers: handlers.orders,
      db,
      inbox,
      outbox,
      log,
    });
    const userId = crypto.randomUUID();
    const placed = createEvent(orderPlaced, {
      orderId: crypto.randomUUID(),
      userId,
      items: [{ productId: crypto.randomUUID(), quantity: 1, unitPriceCents: 1200 }],
      totalCents: 1200,
    }, origin);
    // Issue 17: 400 KB of invalid UTF-8, which every derived event used to copy past max_payload.
    const junk = new Uint8Array(400_000).fill(0xff);
    const json = JSON.stringify({ ...placed, correlationId: "@@@" });
    const data = new Uint8Array([
      ...new TextEncoder().encode(json.slice(0, json.indexOf("@@@"))),
      ...junk,
      ...new TextEncoder().encode(json.slice(json.indexOf("@@@") + 3)),
    ]);
    const delivery = await dispatcher.deliver({
      subject: orderPlaced.subject,
      data,
      json: <T>() => JSON.parse(new TextDecoder().decode(data)) as T,
    });
    assert.equal(delivery.outcome, "invalid");
    assert.match((delivery as { reason: string }).reason, /correlationId/);
    assert.equal((await db.select().from(charges)).length, 0);
    assert.equal((await db.select().from(outbox)).length, 0);
    assert.equal((await db.select().from(wallets).where(eq(wallets.userId, userId))).length, 0);
  } finally {
    await databases.close();
  }
});
