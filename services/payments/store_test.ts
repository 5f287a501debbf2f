import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { charges, deposits, wallets } from "./db/schema.ts";
import { maxBalanceCents, maxDepositCents } from "../../shared/contracts/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { paymentsConfig } from "./config.ts";
import { deposit, openWallet, refundOrder, takePayment } from "./store.ts";

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

Deno.test("payments: money past 32 bits, and the balance ceiling", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("payments");
  const balance = async (userId: string) =>
    (await db.select().from(wallets).where(eq(wallets.userId, userId)))[0].balanceCents;
  const depositsOf = async (userId: string) =>
    (await db.select().from(deposits).where(eq(deposits.userId, userId))).length;
  const depositInto = (userId: string, amountCents: number) =>
    db.transaction((tx) => deposit(tx, userId, amountCents));
  try {
    await t.step("three of the largest deposits pass 2^31 and stay exact", async () => {
      const userId = crypto.randomUUID();
      await db.transaction((tx) => openWallet(tx, userId, 10_000));
      for (let n = 1; n <= 3; n++) {
        assert.equal(await depositInto(userId, maxDepositCents), 10_000 + n * maxDepositCents);
      }
      assert.equal(await balance(userId), 3_000_010_000);
      const order = { orderId: crypto.randomUUID(), userId, amountCents: 2_500_000_000 };
      assert.deepEqual(await db.transaction((tx) => takePayment(tx, order)), {
        charged: true,
        balanceCents: 500_010_000,
      });
    });

    await t.step("a deposit up to the ceiling is taken; one cent past it is refused", async () => {
      const userId = crypto.randomUUID();
      await db.transaction((tx) => openWallet(tx, userId, maxBalanceCents - 1));
      await assert.rejects(depositInto(userId, 2), (error: unknown) => {
        assert.ok(error instanceof ServiceError);
        assert.equal(error.kind, "unprocessable");
        assert.deepEqual(error.details, {
          field: "amountCents",
          balanceCents: maxBalanceCents - 1,
          maxBalanceCents,
        });
        return true;
      });
      assert.equal(await balance(userId), maxBalanceCents - 1, "nothing taken");
      assert.equal(await depositsOf(userId), 1, "only the opening recorded");
      assert.equal(await depositInto(userId, 1), maxBalanceCents);
      assert.equal(await depositsOf(userId), 2);
    });

    await t.step("a refund that takes the balance past the ceiling still applies", async () => {
      const userId = crypto.randomUUID();
      await db.transaction((tx) => openWallet(tx, userId, maxBalanceCents));
      const order = { orderId: crypto.randomUUID(), userId, amountCents: maxDepositCents };
      assert.equal((await db.transaction((tx) => takePayment(tx, order))).charged, true);
      // The money comes in again while the charge is in flight: back at the ceiling.
      assert.equal(await depositInto(userId, maxDepositCents), maxBalanceCents);
      const refund = await db.transaction((tx) => refundOrder(tx, order.orderId));
      assert.equal(refund?.amountCents, maxDepositCents);
      assert.equal(await balance(userId), maxBalanceCents + maxDepositCents);
      await assert.rejects(depositInto(userId, 1), ServiceError);
    });

    await t.step("a wallet cannot open past the ceiling", async () => {
      await assert.rejects(
        db.transaction((tx) => openWallet(tx, crypto.randomUUID(), maxBalanceCents + 1)),
        RangeError,
      );
    });
  } finally {
    await databases.close();
  }
});

Deno.test("payments config: a starting balance past the ceiling is refused at start", () => {
  const starting = (value: number) =>
    paymentsConfig.safeParse({ STARTING_BALANCE_CENTS: String(value) }).success;
  assert.equal(starting(maxBalanceCents), true);
  assert.equal(starting(maxBalanceCents + 1), false);
});
