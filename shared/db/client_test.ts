import assert from "node:assert/strict";
import { count, eq, sql } from "drizzle-orm";
import { adminUrl, testDatabases } from "../../tests/harness/databases.ts";
import { migrationsOf } from "../../tests/harness/migrations.ts";
import { openDatabase } from "./client.ts";
import { migrations } from "../../services/orders/db/migrations.ts";
import { orders } from "../../services/orders/db/schema.ts";

if (!adminUrl) console.log("concurrent migrations: skipped, set DATABASE_URL to run on Postgres");

Deno.test({
  name: "migrations: instances starting at once take turns, each migration applied once",
  ignore: !adminUrl,
  fn: async () => {
    const databases = await testDatabases();
    const opened = [];
    try {
      opened.push(
        ...await Promise.all(
          Array.from(
            { length: 5 },
            () => openDatabase({ service: "orders", migrations, url: databases.url }),
          ),
        ),
      );
      const rows = await opened[0].db.execute(
        sql`select hash from orders.migrations order by id`,
      );
      const hashes = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as {
        hash: string;
      }[];
      assert.deepEqual(hashes.map((row) => row.hash), migrations.map((m) => m.hash));
    } finally {
      await Promise.all(opened.map((database) => database.close()));
      await databases.close();
    }
  },
});

Deno.test({
  name: "migrations: every service starting at once on a new database, all of them migrate",
  ignore: !adminUrl,
  fn: async () => {
    // They share the schema of migrations tables: two racing to create it would make one fail
    // with a duplicate key in pg_namespace. A few fresh databases, as the race is narrow.
    for (let round = 0; round < 10; round++) {
      const databases = await testDatabases();
      try {
        const opened = await Promise.allSettled(
          Object.entries(migrationsOf).map(([service, migrations]) =>
            openDatabase({ service, migrations, url: databases.url })
          ),
        );
        await Promise.all(
          opened.map((result) => result.status === "fulfilled" && result.value.close()),
        );
        assert.deepEqual(
          opened.flatMap((result) => result.status === "rejected" ? [String(result.reason)] : []),
          [],
        );
      } finally {
        await databases.close();
      }
    }
  },
});

Deno.test({
  name: "queries run as prepared statements, in transactions too, unless the URL says not to",
  ignore: !adminUrl,
  fn: async (t) => {
    const databases = await testDatabases();
    const preparedIn = async (url: string) => {
      const database = await openDatabase({ service: "orders", migrations, url });
      try {
        // pg_prepared_statements is per connection: ask on the transaction's own.
        return await database.db.transaction(async (tx) => {
          await tx.select().from(orders).where(eq(orders.id, crypto.randomUUID()));
          await tx.transaction((nested) =>
            nested.select({ n: count() }).from(orders).where(eq(orders.status, "pending"))
          );
          const rows = await tx.execute(sql`select statement from pg_prepared_statements`);
          return (rows as unknown as { statement: string }[]).map((row) => row.statement);
        });
      } finally {
        await database.close();
      }
    };
    try {
      await t.step("by default", async () => {
        const statements = await preparedIn(databases.url!);
        assert.ok(
          statements.some((s) =>
            /from "orders"."orders" where "orders"."orders"."id" = \$1/.test(s)
          ),
          statements.join("\n"),
        );
        assert.ok(
          statements.some((s) => /select count\(\*\) from "orders"."orders"/.test(s)),
          statements.join("\n"),
        );
      });
      await t.step("?prepare=false (a transaction-mode pooler)", async () => {
        const statements = await preparedIn(`${databases.url}?prepare=false`);
        assert.deepEqual(statements.filter((s) => s.includes('"orders"."orders"')), []);
      });
    } finally {
      await databases.close();
    }
  },
});
