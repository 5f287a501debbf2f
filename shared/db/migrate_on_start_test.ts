/**
 * MIGRATE_ON_START=false: a service whose deployment migrates ahead opens its database without
 * migrating and without the advisory lock, and refuses one whose migrations are behind its code
 * (MigrationsBehind), creating nothing. On Postgres with DATABASE_URL, else on PGlite.
 */
import assert from "node:assert/strict";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { migrations } from "../../services/orders/db/migrations.ts";
import { adminUrl, testDatabases } from "../../tests/harness/databases.ts";
import { baseConfig, ConfigError, parseConfig } from "../config/mod.ts";
import { type Migration, MigrationsBehind, openDatabase } from "./client.ts";

Deno.test("config: MIGRATE_ON_START is true unless set to false, and nothing else", () => {
  assert.equal(parseConfig("orders", baseConfig, {}).MIGRATE_ON_START, true);
  assert.equal(
    parseConfig("orders", baseConfig, { MIGRATE_ON_START: "false" }).MIGRATE_ON_START,
    false,
  );
  assert.throws(
    () => parseConfig("orders", baseConfig, { MIGRATE_ON_START: "no" }),
    new ConfigError("config: MIGRATE_ON_START must be true or false"),
  );
});

Deno.test("MIGRATE_ON_START=false: a database behind is refused, one migrated ahead opens", async (t) => {
  const databases = adminUrl ? await testDatabases() : null;
  const pglite = databases ? null : await PGlite.create();
  const open = (list: Migration[], migrate: boolean) =>
    openDatabase({
      service: "orders",
      migrations: list,
      migrate,
      ...(databases ? { url: databases.url } : { pglite: pglite! }),
    });
  const behind = async (list: Migration[]) => {
    const error = await open(list, false).then(() => null, (error) => error);
    assert.ok(error instanceof MigrationsBehind, `refused: ${error}`);
    assert.match(error.message, /MIGRATE_ON_START=false.*deno task migrate orders/s);
  };
  const schemaExists = async () => {
    const query = `select exists(select from pg_namespace where nspname = 'orders') as "found"`;
    if (pglite) return (await pglite.query<{ found: boolean }>(query)).rows[0].found;
    const client = postgres(databases!.url!, { max: 1, onnotice: () => {} });
    const [row] = await client.unsafe(query).finally(() => client.end());
    return row.found as boolean;
  };
  try {
    await t.step("a fresh database is refused, and nothing is created in it", async () => {
      await behind(migrations);
      assert.equal(await schemaExists(), false);
    });
    await t.step("one migrated up to the last migration but one is refused", async () => {
      await (await open(migrations.slice(0, -1), true)).close();
      await behind(migrations);
    });
    await t.step("migrated ahead, it opens without waiting for the migration lock", async () => {
      await (await open(migrations, true)).close();
      // Another instance migrating holds the lock: a start that does not migrate takes none.
      const holder = databases && postgres(databases.url!, { max: 1, onnotice: () => {} });
      await holder?.unsafe("select pg_advisory_lock(hashtext('migrate'))");
      try {
        const database = await open(migrations, false);
        await database.ping();
        await database.close();
      } finally {
        await holder?.end();
      }
    });
  } finally {
    await databases?.close();
    await pglite?.close();
  }
});
