/**
 * `deno task db:generate [--name what_changed]`: drizzle-kit generate for every service that
 * has a drizzle config, then two things drizzle-kit does not do:
 * - `CREATE SCHEMA` becomes `CREATE SCHEMA IF NOT EXISTS`: on a real server the schema already
 *   exists, made by infra/postgres/init.sql and owned by the service's role;
 * - the migrations are embedded in `db/<service>/migrations.ts`, so a service applies them
 *   with no file system (an edge runtime has none).
 */
import { embedMigrations } from "./embed_migrations.ts";

const root = new URL("./", import.meta.url);

for await (const entry of Deno.readDir(root)) {
  const config = `db/${entry.name}/drizzle.config.ts`;
  if (!entry.isDirectory || !(await exists(config))) continue;
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "npm:drizzle-kit@0.31.11", "generate", "--config", config, ...Deno.args],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!result.success) Deno.exit(result.code);
  const folder = new URL(`${entry.name}/migrations/`, root);
  for await (const file of Deno.readDir(folder)) {
    if (!file.name.endsWith(".sql")) continue;
    const path = new URL(file.name, folder);
    const text = await Deno.readTextFile(path);
    const fixed = text.replaceAll(/CREATE SCHEMA "/g, 'CREATE SCHEMA IF NOT EXISTS "');
    if (fixed !== text) await Deno.writeTextFile(path, fixed);
  }
  await Deno.writeTextFile(
    new URL(`${entry.name}/migrations.ts`, root),
    await embedMigrations(folder),
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
