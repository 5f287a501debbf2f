/**
 * A Postgres database set up before owner roles (tests/fixtures/postgres_init_single_role.sql:
 * one role per service, owning its tables, its history in `drizzle.<service>_migrations`) is
 * taken over by running today's infra/postgres/init.sql on it: the owner role migrates without
 * applying anything twice, and the runtime role keeps its rows and loses its tables.
 */
import assert from "node:assert/strict";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { migrations } from "../services/catalog/db/migrations.ts";
import { adminUrl, testDatabases, withDatabase } from "./harness/databases.ts";

if (!adminUrl) console.log("postgres roles upgrade: skipped, set DATABASE_URL to run on Postgres");

Deno.test({
  name: "postgres: init.sql takes over a database set up with one role per service",
  ignore: !adminUrl,
  fn: async (t) => {
    const databases = await testDatabases();
    const url = new URL(databases.url!);
    const name = url.pathname.slice(1);
    const admin = postgres(url.href, { max: 1, onnotice: () => {} });
    const catalog = postgres(withDatabase(url.href, name, "catalog"), {
      max: 1,
      onnotice: () => {},
    });
    const read = (file: string) => Deno.readTextFile(new URL(file, import.meta.url));
    try {
      await admin.unsafe(await read("fixtures/postgres_init_single_role.sql")).simple();
      // As openDatabase did then: migrated as the service's role, the history in drizzle.
      const internals = drizzle(catalog) as unknown as {
        dialect: { migrate(m: unknown[], session: unknown, config: object): Promise<void> };
        session: unknown;
      };
      await internals.dialect.migrate(migrations, internals.session, {
        migrationsSchema: "drizzle",
        migrationsTable: "catalog_migrations",
      });
      await catalog`insert into catalog.products (id, sku, name, price_cents, stock)
        values (${crypto.randomUUID()}, 'OLD-1', 'Kept', 100, 1)`;

      const init = await read("../infra/postgres/init.sql");
      await admin.unsafe(init).simple();
      await admin.unsafe(init).simple();

      await t.step("the owner role opens it, applying nothing twice", async () => {
        await databases.open(
          "catalog",
          withDatabase(url.href, name, "catalog"),
          migrations,
          withDatabase(url.href, name, "catalog_owner"),
        );
        const hashes = await admin`select hash from catalog.migrations order by id`;
        assert.deepEqual(hashes.map((row) => row.hash), migrations.map((m) => m.hash));
      });

      await t.step("the runtime role keeps its rows and no longer owns its tables", async () => {
        const [row] = await catalog`select name from catalog.products where sku = 'OLD-1'`;
        assert.equal(row.name, "Kept");
        await assert.rejects(
          () => catalog`alter table catalog.products add column stray int`,
          /must be owner of table products/,
        );
        await assert.rejects(
          () => catalog`create table catalog.stray (x int)`,
          /permission denied for schema catalog/,
        );
        await assert.rejects(
          () => catalog`select * from drizzle.catalog_migrations`,
          /permission denied for schema drizzle/,
        );
      });
    } finally {
      await catalog.end();
      await admin.end();
      await databases.close();
    }
  },
});
