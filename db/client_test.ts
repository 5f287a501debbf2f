import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { adminUrl, testDatabases } from "../tests/harness/databases.ts";
import { openDatabase } from "./client.ts";
import { migrations } from "./orders/migrations.ts";

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
        sql`select hash from drizzle.orders_migrations order by id`,
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
