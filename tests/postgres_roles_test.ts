/**
 * On a real server each service runs as its own role, which may use its own tables' rows and
 * nothing else, and migrates as another, which owns its schema: infra/postgres/init.sql (made
 * from the registry by infra/postgres_init.ts) sets that up, this proves it holds.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { adminUrl, testDatabases, withDatabase } from "./harness/databases.ts";

if (!adminUrl) console.log("postgres roles: skipped, set DATABASE_URL to run against Postgres");

Deno.test({
  name: "postgres: a service's role cannot read another service's schema",
  ignore: !adminUrl,
  fn: async (t) => {
    const databases = await testDatabases();
    const url = new URL(databases.url!);
    const name = url.pathname.slice(1);
    const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
    // Made before init.sql runs, as a cluster's other databases are.
    const other = `t_other_${suffix}`;
    const guest = `t_guest_${suffix}`;
    const admin = postgres(url.href, { max: 1, onnotice: () => {} });
    // The cluster's own: it outlives the suite's database, which close() drops.
    const cluster = postgres(adminUrl!, { max: 1, onnotice: () => {} });
    await cluster.unsafe(`create database ${other}`);
    await cluster.unsafe(`create role ${guest} login password '${guest}'`);
    const as = (role: string, database = name) =>
      postgres(withDatabase(url.href, database, role), { max: 1, onnotice: () => {} });
    const init = await Deno.readTextFile(new URL("../infra/postgres/init.sql", import.meta.url));
    await admin.unsafe(init).simple();
    await admin.unsafe(init).simple();
    const catalog = as("catalog");
    const opened: postgres.Sql[] = [catalog];
    const tryConnect = async (role: string, database: string) => {
      const sql = as(role, database);
      opened.push(sql);
      await sql`select 1`;
    };
    try {
      await t.step("each service migrates its own schema under its own role", async () => {
        for (const service of ["users", "catalog"]) {
          await databases.open(
            service,
            withDatabase(url.href, name, service),
            undefined,
            withDatabase(url.href, name, `${service}_owner`),
          );
        }
        const [{ count }] = await catalog`select count(*)::int as count from catalog.products`;
        assert.equal(count, 0);
      });

      await t.step("the runtime role reads and writes its own tables", async () => {
        const id = crypto.randomUUID();
        await catalog`insert into catalog.products (id, sku, name, price_cents, stock)
          values (${id}, ${`sku-${suffix}`}, 'Lamp', 1200, 3)`;
        await catalog`update catalog.products set stock = 2 where id = ${id}`;
        const [row] = await catalog`select stock from catalog.products where id = ${id}`;
        assert.equal(row.stock, 2);
        await catalog`delete from catalog.products where id = ${id}`;
      });

      await t.step("catalog cannot read the users schema", async () => {
        await assert.rejects(
          () => catalog`select * from users.accounts`,
          /permission denied for schema users/,
        );
      });

      await t.step("catalog cannot read users' migrations table", async () => {
        await assert.rejects(
          () => catalog`select * from users.migrations`,
          /permission denied for schema users/,
        );
      });

      await t.step("catalog may read its own migrations history, not edit it", async () => {
        const [{ count }] = await catalog`select count(*)::int as count from catalog.migrations`;
        assert.ok(count > 0);
        for (
          const edit of [
            catalog`delete from catalog.migrations`,
            catalog`insert into
          catalog.migrations (hash, created_at) values ('skip', 99999999999999)`,
          ]
        ) {
          await assert.rejects(() => edit, /permission denied for table migrations/);
        }
      });

      await t.step(
        "once its owner has migrated, a service starts with its runtime role alone",
        async () => {
          const database = await databases.open("catalog", withDatabase(url.href, name, "catalog"));
          await database.ping();
        },
      );

      await t.step("catalog cannot create tables in another schema or in public", async () => {
        await assert.rejects(() => catalog`create table users.stolen (x int)`, /permission denied/);
        await assert.rejects(() => catalog`create table public.stray (x int)`, /permission denied/);
      });

      await t.step("catalog cannot create or change tables in its own schema", async () => {
        await assert.rejects(
          () => catalog`create table catalog.stray (x int)`,
          /permission denied for schema catalog/,
        );
        await assert.rejects(
          () => catalog`alter table catalog.products add column stray int`,
          /must be owner of table products/,
        );
        await assert.rejects(
          () => catalog`create temporary table stray (x int)`,
          /permission denied to create temporary tables/,
        );
      });

      await t.step("catalog cannot create a schema", async () => {
        await assert.rejects(
          () => catalog`create schema stray`,
          /permission denied for database/,
        );
      });

      await t.step("the runtime role cannot migrate: only the owner may", async () => {
        await assert.rejects(
          () => databases.open("orders", withDatabase(url.href, name, "orders")),
          // drizzle wraps the server's error as the cause of its own "Failed query".
          (error: Error) => /permission denied for database/.test(String(error.cause)),
        );
      });

      await t.step("no platform role can connect to the cluster's other databases", async () => {
        for (const role of ["catalog", "catalog_owner"]) {
          for (const database of ["postgres", other]) {
            await assert.rejects(
              () => tryConnect(role, database),
              /permission denied for database/,
              `${role} on ${database}`,
            );
          }
        }
      });

      await t.step("a login role that is not the platform's still connects to them", async () => {
        await tryConnect(guest, other);
      });
    } finally {
      await Promise.all(opened.map((sql) => sql.end()));
      await admin.end();
      await databases.close();
      await cluster.unsafe(`drop database if exists ${other} with (force)`);
      await dropRole(cluster, guest);
      await cluster.end();
    }
  },
});

/** Drops `role` after taking back the CONNECT it was granted on any database of the cluster. */
async function dropRole(admin: postgres.Sql, role: string) {
  const granted = await admin`select datname from pg_database
    where datacl::text like ${`%${role}=%`}`;
  for (const { datname } of granted) {
    await admin.unsafe(`revoke all on database "${datname}" from ${role}`).catch(() => {});
  }
  await admin.unsafe(`drop role if exists ${role}`);
}
