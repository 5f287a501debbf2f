/**
 * One way to open a service's database: postgres.js when the service has a URL, embedded PGlite
 * in `<dataDir>/<service>` when it has none, so the stack runs with no Postgres at all. The
 * service's migrations are applied before it is handed out. They come as data (see
 * `services/<service>/db/migrations.ts`) and PGlite is loaded only when used, so a service with a URL
 * needs no file system: it runs on an edge runtime, from a bundle that leaves PGlite out.
 */
import type { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { MigrationMeta } from "drizzle-orm/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as postgresDrizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { ConfigError } from "../config/mod.ts";
import { migrate, upToDate } from "./migrate.ts";
import { postgresConnection } from "./postgres_tls.ts";

/** Either driver, typed by what both offer. */
export type Database = PgDatabase<PgQueryResultHKT>;

/** One migration, as drizzle's `readMigrationFiles` reads it from a migrations folder. */
export type Migration = MigrationMeta;

/**
 * A service's opened database: the Drizzle handle, which driver is under it, a readiness probe and
 * how to close it.
 */
export interface ServiceDatabase {
  db: Database;
  driver: "pglite" | "postgres";
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Closes the connection pool, or the PGlite it opened (a shared one is left open). */
  close(): Promise<void>;
}

/** Which service's database to open, where, and the migrations to apply first. */
export interface OpenDatabaseOptions {
  /** Its schema, which holds its migrations table (`<service>.migrations`); the data folder. */
  service: string;
  /** Applied in order, each once (drizzle's migrator), before the database is handed out. */
  migrations: Migration[];
  /**
   * A postgres:// URL; without one the service gets embedded PGlite. libpq's `sslmode` and
   * `sslrootcert` are understood (shared/db/postgres_tls.ts).
   */
  url?: string;
  /**
   * A postgres:// URL to migrate with (the schema's owner role), over one connection closed
   * before the service's own pool on `url` (its runtime role, which may create nothing) opens.
   * Without it, `url` migrates too (one role for both). Ignored without `url`.
   */
  migrationUrl?: string;
  /** Parent of the PGlite data folder. */
  dataDir?: string;
  /**
   * Whether opening applies `migrations` (default true). False (MIGRATE_ON_START=false): the
   * deployment migrated ahead (`deno task migrate`); opening only reads the history's newest entry
   * and refuses a database that misses one of `migrations` (`MigrationsBehind`), taking no lock.
   */
  migrate?: boolean;
  /** An open PGlite to share: opening one per service in a single process costs seconds each. */
  pglite?: PGlite;
  /** The most connections the pool on `url` opens (default 10). */
  poolSize?: number;
}

/**
 * Opens `service`'s database and applies its migrations: postgres.js (a pool of `poolSize`, 10 unless told, statements
 * prepared) on `url`, migrating first as `migrationUrl`'s role when given, with instances starting
 * together taking turns under one Postgres advisory lock; without a URL, embedded PGlite in `<dataDir>/<service>` (`.data` by default; about 4 to 5 s
 * the first time, about 0.6 s after) or the `pglite` given. Throws `ConfigError` when there is no
 * URL and the process may not read and write that folder (a bundle run with --allow-net --allow-env
 * only) or PGlite cannot be loaded (a bundle, which leaves it out), and whatever connecting or
 * migrating throws.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<ServiceDatabase> {
  const { service, migrations } = options;
  const migrating = options.migrate ?? true;

  if (options.url) {
    const connect = (url: string, max: number) => {
      const { url: plain, ssl } = postgresConnection(url);
      return postgres(plain, { max, onnotice: () => {}, ...(ssl ? { ssl } : {}) });
    };
    const client = connect(options.url, options.poolSize ?? 10);
    const db = postgresDrizzle(preparing(client));
    try {
      if (!migrating) {
        await refuseBehind(db, service, migrations);
      } else if (options.migrationUrl) {
        // Two connections: one holds the lock, the other migrates.
        const owner = connect(options.migrationUrl, 2);
        try {
          await migrateInTurn(owner, service, migrations);
        } finally {
          await owner.end({ timeout: 5 });
        }
      } else {
        await migrateInTurn(client, service, migrations);
      }
    } catch (error) {
      await client.end({ timeout: 5 });
      throw error;
    }
    return {
      db,
      driver: "postgres",
      ping: async () => void await db.execute(sql`select 1`),
      close: () => client.end({ timeout: 5 }),
    };
  }

  const folder = `${options.dataDir ?? ".data"}/${service}`;
  if (!options.pglite && !mayUseFiles(folder)) {
    throw new ConfigError(
      `DATABASE_URL is not set, and embedded PGlite needs to read and write ${folder}, which ` +
        `this process may not (a bundle runs with --allow-net --allow-env only): set ` +
        `DATABASE_URL or ${service.toUpperCase()}_DATABASE_URL to a postgres:// URL`,
    );
  }
  const [{ PGlite }, { drizzle: pgliteDrizzle }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("drizzle-orm/pglite"),
  ]).catch((error: Error) => {
    // A bundle (`deno task build`) leaves PGlite out: it is meant to run with a database URL.
    throw new ConfigError(
      `DATABASE_URL is not set, and embedded PGlite cannot be loaded (${
        error.message.split("\n")[0]
      }; a bundle does not carry it): set DATABASE_URL or ${service.toUpperCase()}_DATABASE_URL`,
    );
  });
  let client = options.pglite;
  if (!client) {
    await Deno.mkdir(folder, { recursive: true });
    client = await PGlite.create(folder);
  }
  const shared = options.pglite !== undefined;
  const db = pgliteDrizzle(client);
  if (migrating) await migrate(db, service, migrations);
  else await refuseBehind(db, service, migrations);
  return {
    db,
    driver: "pglite",
    ping: async () => void await db.execute(sql`select 1`),
    close: async () => {
      if (!shared) await client.close();
    },
  };
}

/**
 * Thrown on opening a database, without migrating it (MIGRATE_ON_START=false), whose migrations
 * table misses some of the service's migrations: the service would run on a schema older than
 * its code. Its message names the service and the step that migrates.
 */
export class MigrationsBehind extends ConfigError {
  override name = "MigrationsBehind";
}

async function refuseBehind(db: Database, service: string, migrations: Migration[]) {
  if (await upToDate(db, service, migrations)) return;
  throw new MigrationsBehind(
    `${service}'s database misses some of its ${migrations.length} migrations, and ` +
      `MIGRATE_ON_START=false: it will not run on an older schema. Migrate it first ` +
      `(deno task migrate ${service}, with its MIGRATION_DATABASE_URL or DATABASE_URL), or ` +
      `unset MIGRATE_ON_START`,
  );
}

/**
 * Whether this process may read and write `folder`, as embedded PGlite must. Asked before
 * PGlite is touched, so a process without the permission hears which variable is missing
 * rather than "Requires write access". A runtime without the permissions API is let try.
 */
function mayUseFiles(folder: string): boolean {
  if (typeof Deno.permissions?.querySync !== "function") return true;
  const granted = (name: "read" | "write") =>
    Deno.permissions.querySync({ name, path: folder }).state === "granted";
  return granted("read") && granted("write");
}

/**
 * drizzle's postgres.js driver runs every query through `unsafe()` with `prepare: false` unless
 * it was built with `.prepare(name)`. postgres.js then asks the server for the parameters' types
 * before each query: two round trips instead of one, in every transaction (drizzle-orm#6096).
 * This hands drizzle a client whose queries follow the client's own `prepare` setting: on, as
 * postgres.js has it, unless the URL says `?prepare=false` (a transaction-mode pooler).
 */
export function preparing(sql: postgres.Sql, prepare = sql.options.prepare): postgres.Sql {
  if (!prepare) return sql;
  // A transaction's `sql` is another function: wrap the one each callback receives.
  const within = <F extends (...args: never[]) => unknown>(begin: F) =>
    ((...args: unknown[]) => {
      const fn = args.pop() as (tx: postgres.Sql) => unknown;
      return begin(
        ...(args as never[]),
        ((tx: postgres.Sql) => fn(preparing(tx, prepare))) as never,
      );
    }) as unknown as F;
  return new Proxy(sql, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === "unsafe") {
        return (query: string, args?: unknown[], options?: { prepare?: boolean }) =>
          target.unsafe(query, args as never, { ...options, prepare: options?.prepare || prepare });
      }
      if (property === "begin" || property === "savepoint") return within(value.bind(target));
      return value;
    },
  });
}

/**
 * Migrates through `client` while one reserved connection of it holds a Postgres advisory lock, so
 * instances starting together take turns: the first migrates, the others find it done. One lock
 * for every service of the database, not one each: the history carried over from the shared
 * `drizzle` schema is read under it, and migrating in turn costs a start-up a few milliseconds.
 */
async function migrateInTurn(client: postgres.Sql, service: string, migrations: Migration[]) {
  const lock = await client.reserve();
  try {
    await lock`select pg_advisory_lock(hashtext('migrate'))`;
    await migrate(postgresDrizzle(preparing(client)), service, migrations);
  } finally {
    await lock`select pg_advisory_unlock(hashtext('migrate'))`.catch(() => {});
    lock.release();
  }
}
