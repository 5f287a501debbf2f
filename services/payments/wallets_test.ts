import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { charges, wallets } from "../../db/payments/schema.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { openWallet, takePayment } from "./wallets.ts";

Deno.test("payments: a charge takes the money and records itself, or does neither", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("payments");
  const userId = crypto.randomUUID();
  const charge = (amountCents: number) => ({ orderId: crypto.randomUUID(), userId, amountCents });
  const balance = async () =>
    (await db.select().from(wallets).where(eq(wallets.userId, userId)))[0].balanceCents;
  const chargesOf = async (orderId: string) =>
    (await db.select().from(charges).where(eq(charges.orderId, orderId))).length;
  try {
    await db.transaction((tx) => openWallet(tx, userId, 1000));
    // Charges `amountCents`; then the answer, the balance and the charges recorded must be these.
    const expectCharge = async (amountCents: number, charged: boolean, balanceCents: number) => {
      const order = charge(amountCents);
      assert.deepEqual(await db.transaction((tx) => takePayment(tx, order)), {
        charged,
        balanceCents,
      });
      assert.equal(await balance(), balanceCents);
      assert.equal(await chargesOf(order.orderId), charged ? 1 : 0);
    };
    await t.step(
      "covered: taken, recorded, and the balance after it answered",
      () => expectCharge(700, true, 300),
    );
    await t.step(
      "not covered: nothing taken, nothing recorded, the balance answered",
      () => expectCharge(301, false, 300),
    );
  } finally {
    await databases.close();
  }
});
