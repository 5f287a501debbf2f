import assert from "node:assert/strict";
import { count, sql } from "drizzle-orm";
import { testDatabases } from "../../tests/harness/databases.ts";
import type { Database } from "./client.ts";
import { orders } from "../../services/orders/db/schema.ts";
import { awaitAtCommit, transaction } from "./transaction.ts";

const newOrder = () => ({
  id: crypto.randomUUID(),
  userId: crypto.randomUUID(),
  totalCents: 1,
  status: "pending",
  deadlineAt: new Date(),
});
const insertOrder = (db: Database) => db.insert(orders).values(newOrder()).then(() => {});
const failing = (db: Database) => db.execute(sql`select 1 / 0`).then(() => {});
const divisionByZero = (error: Error & { cause?: { message?: string } }) =>
  /division by zero/.test(`${error.message} ${error.cause?.message ?? ""}`);

Deno.test("transaction: writes whose answers are awaited at the commit", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("orders");
  const stored = async () => (await db.select({ n: count() }).from(orders))[0].n;
  try {
    await t.step(
      "the work goes on before the write's answer, which the commit awaits",
      async () => {
        let answered = false;
        const answeredWhenWorkEnded = await transaction(db, async (tx) => {
          await awaitAtCommit(tx, () => insertOrder(tx).then(() => void (answered = true)));
          return answered;
        });
        assert.equal(answeredWhenWorkEnded, false, "awaitAtCommit waited for the answer");
        assert.equal(answered, true, "transaction returned before the write's answer");
        assert.equal(await stored(), 1);
      },
    );

    await t.step("a drizzle query builder (a lazy thenable) is sent once, inside", async () => {
      const before = await stored();
      // The builder runs each time it is awaited: taken as it is, it ran again at the commit and
      // once more after it (PGlite: "Transaction is closed"; Postgres: outside the transaction).
      const order = newOrder();
      await transaction(db, async (tx) => {
        await awaitAtCommit(tx, () => tx.insert(orders).values(order));
      });
      assert.equal(await stored(), before + 1);
    });

    await t.step("a failed write fails the transaction, and none of it is kept", async () => {
      const before = await stored();
      await assert.rejects(
        transaction(db, async (tx) => {
          await insertOrder(tx); // awaited: it succeeded, and must still be rolled back
          await awaitAtCommit(tx, () => failing(tx));
          await awaitAtCommit(tx, () => insertOrder(tx));
        }),
        divisionByZero,
      );
      assert.equal(await stored(), before);
    });

    await t.step("a write that failed while the work went on is the error, not 25P02", async () => {
      await assert.rejects(
        transaction(db, async (tx) => {
          await awaitAtCommit(tx, () => failing(tx));
          await insertOrder(tx); // fails: the transaction is aborted
        }),
        divisionByZero,
      );
    });

    await t.step("work that throws rolls back the writes still on their way", async () => {
      const before = await stored();
      await assert.rejects(
        transaction(db, async (tx) => {
          await awaitAtCommit(tx, () => insertOrder(tx));
          throw new Error("the work failed");
        }),
        /the work failed/,
      );
      assert.equal(await stored(), before);
    });

    await t.step(
      "inside another transaction, a failed write fails only its savepoint",
      async () => {
        const before = await stored();
        await transaction(db, async (tx) => {
          await insertOrder(tx);
          await assert.rejects(
            transaction(tx, async (inner) => {
              await insertOrder(inner);
              await awaitAtCommit(inner, () => failing(inner));
            }),
            divisionByZero,
          );
        });
        assert.equal(await stored(), before + 1, "the outer write kept, the savepoint's not");
      },
    );

    await t.step("outside `transaction`, the write is awaited", async () => {
      let answered = false;
      await db.transaction(async (tx) => {
        await awaitAtCommit(tx, () => insertOrder(tx).then(() => void (answered = true)));
        assert.equal(answered, true);
      });
    });
  } finally {
    await databases.close();
  }
});
