import assert from "node:assert/strict";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { embedMigrations } from "./embed_migrations.ts";

const services = ["users", "catalog", "orders", "payments", "notifications", "history"];

Deno.test("embedded migrations are what drizzle reads from the folders, and up to date", async () => {
  for (const service of services) {
    const folder = new URL(`./${service}/migrations/`, import.meta.url);
    const fromFiles = readMigrationFiles({ migrationsFolder: folder.pathname });
    const { migrations } = await import(`./${service}/migrations.ts`);
    assert.deepEqual(
      migrations.map(({ tag: _, ...m }: { tag: string }) => m),
      fromFiles,
      `${service}: run deno task db:generate`,
    );
    const module = await Deno.readTextFile(new URL(`./${service}/migrations.ts`, import.meta.url));
    assert.equal(module, await embedMigrations(folder), `${service}: migrations.ts is stale`);
  }
});
