import assert from "node:assert/strict";
import { count } from "drizzle-orm";
import { outbox } from "./db/schema.ts";
import { userRegistered } from "../../shared/contracts/mod.ts";
import { transactionFor } from "../../shared/runtime/mod.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { createAccount, findAccountByEmail, findAccountById, type NewAccount } from "./store.ts";

Deno.test("accounts repository", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("users");
  const transaction = transactionFor({ service: "users", db, outbox }, "c-1");
  const create = (account: NewAccount) =>
    transaction(({ tx, publish }) => createAccount(tx, account, publish));
  try {
    const email = `a-${crypto.randomUUID()}@example.com`;
    const account = { email, name: "Ada", passwordHash: "h" };

    await t.step(
      `${databases.driver}: create writes the account and its event together`,
      async () => {
        const created = await create(account);
        assert.ok(created);
        assert.equal((await findAccountByEmail(db, email))?.id, created.id);
        assert.equal((await findAccountById(db, created.id))?.name, "Ada");
        const [row] = await db.select().from(outbox);
        const event = userRegistered.schema.parse(JSON.parse(row.payload));
        assert.equal(row.id, event.id);
        assert.equal(row.subject, "users.user.registered");
        assert.deepEqual(event.data, { userId: created.id, email, name: "Ada" });
        assert.equal(event.correlationId, "c-1");
        assert.equal(event.source, "users");
        assert.equal(event.causationId, null);
        assert.equal(row.publishedAt, null);
      },
    );

    await t.step(`${databases.driver}: a taken email is null and writes no event`, async () => {
      assert.equal(await create({ ...account, name: "Other" }), null);
      const [{ events }] = await db.select({ events: count() }).from(outbox);
      assert.equal(events, 1);
    });

    await t.step(`${databases.driver}: unknown email and id find nothing`, async () => {
      assert.equal(await findAccountByEmail(db, "nobody@example.com"), null);
      assert.equal(await findAccountById(db, crypto.randomUUID()), null);
    });
  } finally {
    await databases.close();
  }
});
