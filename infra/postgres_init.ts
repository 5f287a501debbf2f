/**
 * infra/postgres/init.sql, made from the registry (services/registry.ts): one login role and one
 * schema per service that has a database (its `ServiceModule` has migrations), each role owning
 * only its own schema. Compose runs the file when Postgres's volume is empty;
 * tests/postgres_roles_test.ts proves on a real server what it grants. `deno run --allow-read
 * --allow-write infra/postgres_init.ts` writes it; infra/postgres_init_test.ts fails while the
 * file differs.
 */
import { fileURLToPath } from "node:url";
import { registry } from "../services/registry.ts";
import type { ServiceModule } from "../shared/runtime/mod.ts";

const header = `-- Made from services/registry.ts by infra/postgres_init.ts: edit those, then run
-- deno run --allow-read --allow-write infra/postgres_init.ts
--
-- One login role and one schema per service, each role owning only its own schema, so no
-- service can read another's tables. Safe to run twice, and on any database of the cluster.
-- Passwords equal role names: for dev and compose only.
`;

const preamble = `CREATE SCHEMA IF NOT EXISTS drizzle;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;

DO $$
BEGIN
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
END
$$;
`;

const perService = `  LOOP
    -- Roles are cluster-wide: another database (or a concurrent run) may have made it already.
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = service) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', service, service);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    END IF;

    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', service, service);
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', service, service);

    -- CREATE on the database because Drizzle's migrator and each first migration run
    -- CREATE SCHEMA IF NOT EXISTS, which needs it even when the schema exists.
    EXECUTE format('GRANT CONNECT, CREATE ON DATABASE %I TO %I', current_database(), service);

    -- Drizzle keeps every service's migrations table (<service>_migrations) in schema drizzle.
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA drizzle TO %I', service);
  END LOOP;
END
$$;
`;

/** The names of `services` that own a database (migrations not null), in their order. */
export function databaseOwners(services: readonly ServiceModule[] = registry): string[] {
  return services.filter((service) => service.migrations !== null).map((service) => service.name);
}

/**
 * The text of init.sql for `services`. Throws when a name could not be a bare SQL literal (the
 * registry's names are lower-case words), rather than write SQL that quotes it wrongly.
 */
export function postgresInitFile(services: readonly ServiceModule[] = registry): string {
  const owners = databaseOwners(services);
  for (const name of owners) {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`not a role name: ${name}`);
  }
  // One element a line: a service added is one line more in the diff.
  const list = owners.map((name) => `    '${name}'`).join(",\n");
  return `${header}\n${preamble}\nDO $$\nDECLARE\n  service text;\nBEGIN\n` +
    `  FOREACH service IN ARRAY ARRAY[\n${list}\n  ]\n${perService}`;
}

if (import.meta.main) {
  const file = fileURLToPath(new URL("postgres/init.sql", import.meta.url));
  await Deno.writeTextFile(file, postgresInitFile());
  console.log(`postgres init: wrote ${file} (${databaseOwners().length} roles)`);
}
