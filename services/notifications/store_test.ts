import assert from "node:assert/strict";
import { transaction } from "../../shared/db/transaction.ts";
import { pageAsked } from "../../shared/contracts/mod.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { notificationsFor, recordNotification } from "./store.ts";

Deno.test("notifications: a page at a time, newest first, ties by id", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("notifications");
  const userId = crypto.randomUUID();
  const all = async (limit: number) => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 1;; pages++) {
      assert.ok(pages <= 10, "paging never ended");
      const page = await notificationsFor(db, userId, pageAsked({ limit, cursor }));
      assert.ok(page.items.length <= limit);
      seen.push(...page.items.map((n) => n.id));
      if (!(cursor = page.next)) return seen;
    }
  };
  try {
    // One transaction: now() is the same for all five, so only their ids order them.
    await transaction(db, async (tx) => {
      for (let i = 0; i < 5; i++) {
        await recordNotification(tx, {
          userId,
          orderId: crypto.randomUUID(),
          kind: "order_confirmed",
          message: `order ${i} confirmed`,
        });
      }
    });
    await recordNotification(db, {
      userId: crypto.randomUUID(),
      orderId: crypto.randomUUID(),
      kind: "order_confirmed",
      message: "someone else's",
    });

    await t.step(
      "every notification once, in (time, id) order, whatever the page size",
      async () => {
        const whole = await notificationsFor(db, userId, pageAsked({}));
        assert.equal(whole.items.length, 5);
        assert.equal(whole.next, undefined);
        assert.equal(new Set(whole.items.map((n) => n.at)).size, 1, "a tie in created_at");
        const byId = whole.items.map((n) => n.id).sort().reverse();
        assert.deepEqual(whole.items.map((n) => n.id), byId);
        for (const limit of [1, 2, 4, 5]) assert.deepEqual(await all(limit), byId);
      },
    );
  } finally {
    await databases.close();
  }
});
