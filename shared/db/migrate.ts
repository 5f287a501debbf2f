/**
 * Applying a service's migrations: drizzle's migrator, fed the embedded list, with the history
 * table in the service's own schema (`<service>.migrations`), so that migrating creates nothing
 * in a schema another service shares. Databases migrated before that keep their history in
 * `drizzle.<service>_migrations`; it is carried over once, so they open without migrating again.
 */
import { sql } from "drizzle-orm";
import type { MigrationMeta } from "drizzle-orm/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";

/** The history table's name, in the service's schema: `<service>.migrations`. */
export const migrationsTable = "migrations";

/** Where the history lived before it moved into the service's schema. */
export const formerMigrationsSchema = "drizzle";

/**
 * What drizzle's `migrate()` does after reading the folder, from the embedded `migrations`
 * instead, after carrying the history over from `drizzle.<service>_migrations` when that exists
 * and `<service>.migrations` is missing or empty. The caller holds whatever lock keeps two
 * instances from doing this at once. Throws what the database throws (a migration that fails
 * rolls back whole).
 */
export async function migrate(
  db: PgDatabase<PgQueryResultHKT>,
  service: string,
  migrations: MigrationMeta[],
): Promise<void> {
  if (await upToDate(db, service, migrations)) return;
  await carryOverHistory(db, service);
  const internals = db as unknown as {
    dialect: { migrate(m: MigrationMeta[], session: unknown, config: object): Promise<void> };
    session: unknown;
  };
  await internals.dialect.migrate(migrations, internals.session, {
    migrationsSchema: service,
    migrationsTable,
  });
}

/**
 * Whether `<service>.migrations` already records every one of `migrations` (by drizzle's rule: a
 * migration is applied when none newer is recorded): one read of the table's newest entry. Asked
 * first, so an instance whose role may only read that table (the runtime role) starts once the
 * owner has migrated, and none of drizzle's `CREATE ... IF NOT EXISTS`, which its role may not run,
 * is sent; and alone, by an instance that does not migrate on start (MIGRATE_ON_START=false).
 * Throws what the database throws.
 */
export async function upToDate(
  db: PgDatabase<PgQueryResultHKT>,
  service: string,
  migrations: MigrationMeta[],
): Promise<boolean> {
  const [found] = rowsOf<{ exists: boolean }>(
    await db.execute(sql`select exists(select from pg_tables
      where schemaname = ${service} and tablename = ${migrationsTable}) as "exists"`),
  );
  if (!found.exists) return false;
  const table = sql`${sql.identifier(service)}.${sql.identifier(migrationsTable)}`;
  const [last] = rowsOf<{ at: string | number | null }>(
    await db.execute(sql`select max(created_at) as "at" from ${table}`),
  );
  const newest = Math.max(0, ...migrations.map((migration) => migration.folderMillis));
  return last.at !== null && Number(last.at) >= newest;
}

/**
 * Copies `drizzle.<service>_migrations` into `<service>.migrations` when that is missing or
 * empty (infra/postgres/init.sql makes it empty, owned by the schema's owner role), keeping the
 * ids and moving the serial past them, in one transaction. Asks the catalog whether the old table
 * exists, not `to_regclass`, which throws for a role without USAGE on its schema.
 */
async function carryOverHistory(db: PgDatabase<PgQueryResultHKT>, service: string) {
  const former = `${service}_migrations`;
  const [found] = rowsOf<{ former: boolean }>(
    await db.execute(sql`select exists(select from pg_tables
      where schemaname = ${formerMigrationsSchema} and tablename = ${former}) as "former"`),
  );
  if (!found.former) return;
  const from = sql`${sql.identifier(formerMigrationsSchema)}.${sql.identifier(former)}`;
  const to = sql`${sql.identifier(service)}.${sql.identifier(migrationsTable)}`;
  await db.transaction(async (tx) => {
    await tx.execute(sql`create schema if not exists ${sql.identifier(service)}`);
    // The columns drizzle's migrator gives it, so the migrator finds the table it expects.
    await tx.execute(sql`create table if not exists ${to}
      (id serial primary key, hash text not null, created_at bigint)`);
    const [history] = rowsOf<{ empty: boolean }>(
      await tx.execute(sql`select not exists(select from ${to}) as "empty"`),
    );
    if (!history.empty) return;
    await tx.execute(
      sql`insert into ${to} (id, hash, created_at) select id, hash, created_at from ${from}`,
    );
    await tx.execute(sql`select setval(pg_get_serial_sequence(${`${service}.${migrationsTable}`},
      'id'), coalesce((select max(id) from ${to}), 0) + 1, false)`);
  });
}

/** postgres.js answers an array of rows, PGlite `{ rows }`. */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
