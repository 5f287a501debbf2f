/**
 * On a real server each service logs in as its own role, which owns its schema and nothing
 * else: infra/postgres/init.sql (made from the registry by infra/postgres_init.ts) sets that up,
 * this proves it holds.
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
    const asRole = (role: string) => postgres(withDatabase(url.href, name, role), { max: 1 });
    const admin = postgres(url.href, { max: 1, onnotice: () => {} });
    const init = await Deno.readTextFile(new URL("../infra/postgres/init.sql", import.meta.url));
    await admin.unsafe(init).simple();
    await admin.unsafe(init).simple();
    const catalog = asRole("catalog");
    try {
      await t.step("each service migrates its own schema under its own role", async () => {
        await databases.open("users", withDatabase(url.href, name, "users"));
        await databases.open("catalog", withDatabase(url.href, name, "catalog"));
        const [{ count }] = await catalog`select count(*)::int as count from catalog.products`;
        assert.equal(count, 0);
      });

      await t.step("catalog cannot read the users schema", async () => {
        await assert.rejects(
          () => catalog`select * from users.accounts`,
          /permission denied for schema users/,
        );
      });

      await t.step("catalog cannot read users' migrations table in the shared schema", async () => {
        await assert.rejects(
          () => catalog`select * from drizzle.users_migrations`,
          /permission denied for table users_migrations/,
        );
      });

      await t.step("catalog cannot create tables in another schema or in public", async () => {
        await assert.rejects(() => catalog`create table users.stolen (x int)`, /permission denied/);
        await assert.rejects(() => catalog`create table public.stray (x int)`, /permission denied/);
      });
    } finally {
      await catalog.end();
      await admin.end();
      await databases.close();
    }
  },
});
