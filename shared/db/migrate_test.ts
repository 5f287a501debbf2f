/**
 * A database migrated before the history moved into the service's schema (it is in
 * `drizzle.<service>_migrations`) opens without migrating again: its history is carried over
 * once. On PGlite always, on Postgres with DATABASE_URL.
 */
import assert from "node:assert/strict";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as pgliteDrizzle } from "drizzle-orm/pglite";
import { drizzle as postgresDrizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { migrations } from "../../services/orders/db/migrations.ts";
import { adminUrl, testDatabases } from "../../tests/harness/databases.ts";
import { type Migration, openDatabase, type ServiceDatabase } from "./client.ts";

/** What the migrator did before: the history in schema drizzle. */
async function migrateTheOldWay(db: PgDatabase<PgQueryResultHKT>, list: Migration[]) {
  const internals = db as unknown as {
    dialect: { migrate(m: Migration[], session: unknown, config: object): Promise<void> };
    session: unknown;
  };
  await internals.dialect.migrate(list, internals.session, {
    migrationsSchema: "drizzle",
    migrationsTable: "orders_migrations",
  });
}

async function historyOf(database: ServiceDatabase): Promise<string[]> {
  const result = await database.db.execute(sql`select hash from orders.migrations order by id`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
    hash: string;
  }[];
  return rows.map((row) => row.hash);
}

/** Migrated the old way up to the last migration but one, then opened twice. */
async function opensWithoutMigratingAgain(
  t: Deno.TestContext,
  old: PgDatabase<PgQueryResultHKT>,
  open: () => Promise<ServiceDatabase>,
) {
  await migrateTheOldWay(old, migrations.slice(0, -1));
  await t.step("the history is carried over and only the new migration runs", async () => {
    // Running the first migration again would fail: its tables exist.
    const database = await open();
    try {
      assert.deepEqual(await historyOf(database), migrations.map((m) => m.hash));
    } finally {
      await database.close();
    }
  });
  await t.step("opened again, it is carried over no second time", async () => {
    const database = await open();
    try {
      assert.deepEqual(await historyOf(database), migrations.map((m) => m.hash));
    } finally {
      await database.close();
    }
  });
}

Deno.test("migrations: a PGlite database migrated the old way opens as it was", async (t) => {
  const pglite = await PGlite.create();
  try {
    await opensWithoutMigratingAgain(
      t,
      pgliteDrizzle(pglite),
      () => openDatabase({ service: "orders", migrations, pglite }),
    );
  } finally {
    await pglite.close();
  }
});

Deno.test({
  name: "migrations: a Postgres database migrated the old way opens as it was",
  ignore: !adminUrl,
  fn: async (t) => {
    const databases = await testDatabases();
    const client = postgres(databases.url!, { max: 1, onnotice: () => {} });
    try {
      await opensWithoutMigratingAgain(
        t,
        postgresDrizzle(client),
        () => openDatabase({ service: "orders", migrations, url: databases.url }),
      );
    } finally {
      await client.end();
      await databases.close();
    }
  },
});
