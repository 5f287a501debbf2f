import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { charges, deposits, outbox, wallets } from "../../db/payments/schema.ts";
import { orderPlaced, userRegistered } from "../../shared/contracts/mod.ts";
import { createLogger } from "../../shared/log/mod.ts";
import { createEvent } from "../../shared/outbox/mod.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { paymentsHandlers } from "./handlers.ts";

const log = createLogger({ service: "payments", level: "error" });
const origin = { source: "test", correlationId: "c-1" };
const handlers = paymentsHandlers(5000);

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
      await db.transaction((tx) => handlers.orders[0].handle(placed, { tx, log }));
      const [wallet] = await db.select().from(wallets).where(eq(wallets.userId, userId));
      assert.equal(wallet.balanceCents, 3800);
      assert.equal((await db.select().from(charges)).length, 1);
      const [published] = await db.select().from(outbox);
      assert.equal(published.subject, "payments.payment.charged");
    });

    await t.step("the registration that follows changes nothing", async () => {
      const registered = createEvent(userRegistered, {
        userId,
        email: "late@example.com",
        name: "Late",
      }, origin);
      await db.transaction((tx) => handlers.users[0].handle(registered, { tx, log }));
      const [wallet] = await db.select().from(wallets).where(eq(wallets.userId, userId));
      assert.equal(wallet.balanceCents, 3800);
      const opening = await db.select().from(deposits).where(eq(deposits.userId, userId));
      assert.deepEqual(opening.map((d) => [d.kind, d.amountCents]), [["opening", 5000]]);
    });
  } finally {
    await databases.close();
  }
});
