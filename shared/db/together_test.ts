import assert from "node:assert/strict";
import { count, sql } from "drizzle-orm";
import { testDatabases } from "../../tests/harness/databases.ts";
import { orders } from "../../services/orders/db/schema.ts";
import { together } from "./together.ts";

Deno.test("together: every part awaited, even after one failed", async () => {
  let slowDone = false;
  const slow = new Promise<void>((resolve) =>
    setTimeout(() => {
      slowDone = true;
      resolve();
    }, 30)
  );
  await assert.rejects(together([Promise.reject(new Error("first")), slow]), /first/);
  assert.ok(slowDone, "the slow part finished before together gave up");
  assert.deepEqual(await together([Promise.resolve(1), Promise.resolve("two")]), [1, "two"]);
});

Deno.test("together: the cause, not the 'transaction is aborted' behind it", async () => {
  const aborted = Object.assign(new Error("in failed transaction"), {
    cause: { code: "25P02" },
  });
  await assert.rejects(together([Promise.reject(aborted), Promise.reject(new Error("cause"))]), {
    message: "cause",
  });
});

Deno.test("together: in a transaction, a failing statement rolls back all of them", async () => {
  const databases = await testDatabases();
  const { db } = await databases.open("orders");
  try {
    const order = {
      id: crypto.randomUUID(),
      userId: crypto.randomUUID(),
      totalCents: 1,
      deadlineAt: new Date(),
    };
    await assert.rejects(
      db.transaction((tx) =>
        together([
          tx.insert(orders).values({ ...order, status: "pending" }),
          tx.execute(sql`select 1 / 0`),
          tx.insert(orders).values({ ...order, id: crypto.randomUUID(), status: "pending" }),
        ])
      ),
      (error: Error & { cause?: { message?: string } }) =>
        /division by zero/.test(`${error.message} ${error.cause?.message ?? ""}`),
    );
    const [{ n }] = await db.select({ n: count() }).from(orders);
    assert.equal(n, 0);
  } finally {
    await databases.close();
  }
});
