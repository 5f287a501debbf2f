/**
 * One way to open a service's database: postgres.js when the service has a URL, embedded PGlite
 * in `<dataDir>/<service>` when it has none, so the stack runs with no Postgres at all. The
 * service's migrations are applied before it is handed out.
 */
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as pgliteDrizzle } from "drizzle-orm/pglite";
import { migrate as pgliteMigrate } from "drizzle-orm/pglite/migrator";
import { drizzle as postgresDrizzle } from "drizzle-orm/postgres-js";
import { migrate as postgresMigrate } from "drizzle-orm/postgres-js/migrator";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";

/** Either driver, typed by what both offer. */
export type Database = PgDatabase<PgQueryResultHKT>;

export interface ServiceDatabase {
  db: Database;
  driver: "pglite" | "postgres";
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Names the schema, the migrations folder (`db/<service>/migrations`) and the data folder. */
  service: string;
  /** A postgres:// URL; without one the service gets embedded PGlite. */
  url?: string;
  /** Parent of the PGlite data folder. */
  dataDir?: string;
  /** An open PGlite to share: opening one per service in a single process costs seconds each. */
  pglite?: PGlite;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<ServiceDatabase> {
  const { service } = options;
  const migrations = {
    migrationsFolder: fileURLToPath(new URL(`./${service}/migrations`, import.meta.url)),
    // Not the service's own schema: its first migration creates that schema itself.
    migrationsSchema: "drizzle",
    migrationsTable: `${service}_migrations`,
  };

  if (options.url) {
    const client = postgres(options.url, { max: 10, onnotice: () => {} });
    const db = postgresDrizzle(client);
    await postgresMigrate(db, migrations);
    return {
      db,
      driver: "postgres",
      ping: async () => void await db.execute(sql`select 1`),
      close: () => client.end({ timeout: 5 }),
    };
  }

  let client = options.pglite;
  if (!client) {
    const folder = join(options.dataDir ?? ".data", service);
    await Deno.mkdir(folder, { recursive: true });
    client = await PGlite.create(folder);
  }
  const shared = options.pglite !== undefined;
  const db = pgliteDrizzle(client);
  await pgliteMigrate(db, migrations);
  return {
    db,
    driver: "pglite",
    ping: async () => void await db.execute(sql`select 1`),
    close: async () => {
      if (!shared) await client.close();
    },
  };
}
