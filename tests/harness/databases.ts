/**
 * Fresh databases for one test suite: with DATABASE_URL, a new Postgres database made for the
 * suite and dropped after it; without, one in-memory PGlite shared by the suite's services
 * (each in its own schema), as opening one per service costs seconds; it is made when a service
 * first opens its database, from a copy of a fresh cluster (tests/harness/pglite_template.ts),
 * and every service's migrations run on it.
 */
import type { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { type Migration, openDatabase, type ServiceDatabase } from "../../shared/db/client.ts";
import { migrationsOf } from "./migrations.ts";
import { freshPglite } from "./pglite_template.ts";

export interface TestDatabases {
  driver: "pglite" | "postgres";
  /** The suite's own Postgres database, connected as the admin (postgres only). */
  url?: string;
  /**
   * `migrations`: by default the registry's for `service` (tests/harness/migrations.ts);
   * `migrationUrl`: another role to migrate as (postgres only), as openDatabase takes it.
   */
  open(
    service: string,
    url?: string,
    migrations?: Migration[],
    migrationUrl?: string,
  ): Promise<ServiceDatabase>;
  close(): Promise<void>;
}

export const adminUrl = Deno.env.get("DATABASE_URL");

/** `url`: the Postgres to make the suite's database on; by default DATABASE_URL, none for PGlite. */
/**
 * The pool each service opens on a test's Postgres, in process or as a process of its own: two test
 * files at a time with up to 14 service processes each stay under Postgres's 100 connections.
 */
export const testPoolSize = 4;

export async function testDatabases(
  url = adminUrl,
  { poolSize = testPoolSize }: { poolSize?: number } = {},
): Promise<TestDatabases> {
  const opened: ServiceDatabase[] = [];
  const track = (database: ServiceDatabase) => (opened.push(database), database);

  if (!url) {
    // Made when a service first opens its database: a stack of none needs no PGlite.
    let pglite: Promise<PGlite> | undefined;
    return {
      driver: "pglite",
      open: async (service, _url, migrations = migrationsOf[service]) =>
        track(
          await openDatabase({ service, migrations, pglite: await (pglite ??= freshPglite()) }),
        ),
      close: async () => {
        await Promise.all(opened.map((database) => database.close()));
        await (await pglite?.catch(() => undefined))?.close();
      },
    };
  }

  const name = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const suiteUrl = withDatabase(url, name);
  return {
    driver: "postgres",
    url: suiteUrl,
    open: async (service, serviceUrl, migrations = migrationsOf[service], migrationUrl) =>
      track(
        await openDatabase({
          service,
          migrations,
          url: serviceUrl ?? suiteUrl,
          migrationUrl,
          poolSize,
        }),
      ),
    close: async () => {
      await Promise.all(opened.map((database) => database.close()));
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** The same server and credentials, another database; `user` to log in as another role. */
export function withDatabase(url: string, database: string, user?: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  if (user) {
    parsed.username = user;
    parsed.password = user;
  }
  return parsed.toString();
}
