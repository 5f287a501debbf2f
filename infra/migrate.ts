/**
 * `deno task migrate <service>|all`: applies each service's migrations to its database, as its
 * schema's owner (`<SERVICE>_MIGRATION_DATABASE_URL`, `MIGRATION_DATABASE_URL`, else its
 * `DATABASE_URL`), under the same advisory lock a starting instance takes. The deployment's migrate
 * step, run before the new code is deployed, so that its instances may start with
 * MIGRATE_ON_START=false (an edge cold start then only reads the newest migration's entry).
 */
import { baseConfig, ConfigError, parseConfig, redactUrl } from "../shared/config/mod.ts";
import { openDatabase } from "../shared/db/client.ts";
import { registry } from "../services/registry.ts";

const wanted = Deno.args[0];
const owning = registry.filter((service) => service.migrations);
if (!wanted || (wanted !== "all" && !owning.some((service) => service.name === wanted))) {
  console.error(`usage: deno task migrate <${owning.map((s) => s.name).join("|")}|all>`);
  Deno.exit(2);
}
for (const { name, migrations } of owning) {
  if (wanted !== "all" && wanted !== name) continue;
  try {
    const config = parseConfig(name, baseConfig, Deno.env.toObject());
    const url = config.MIGRATION_DATABASE_URL ?? config.DATABASE_URL;
    if (!url) {
      throw new ConfigError(`set ${name.toUpperCase()}_MIGRATION_DATABASE_URL or DATABASE_URL`);
    }
    const database = await openDatabase({ service: name, migrations: migrations!, url });
    await database.close();
    console.log(`${name}: migrated (${migrations!.length} migrations) on ${redactUrl(url)}`);
  } catch (error) {
    console.error(`${name}: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
