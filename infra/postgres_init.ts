/**
 * infra/postgres/init.sql, made from the registry (services/registry.ts): for each service that
 * has a database (its `ServiceModule` has migrations) a schema, an owner role that migrates it
 * and a runtime role that may only use its rows, neither able to connect to another database.
 * Compose runs the file when Postgres's volume is empty; tests/postgres_roles_test.ts proves on
 * a real server what it grants. `deno run --allow-read --allow-write infra/postgres_init.ts`
 * writes it; infra/postgres_init_test.ts fails while the file differs.
 */
import { fileURLToPath } from "node:url";
import { registry } from "../services/registry.ts";
import type { ServiceModule } from "../shared/runtime/mod.ts";

const header = `-- Made from services/registry.ts by infra/postgres_init.ts: edit those, then run
-- deno run --allow-read --allow-write infra/postgres_init.ts
--
-- Two login roles per service. <service>_owner owns the service's schema and runs its
-- migrations; <service>, the role the service runs as, may read and write the schema's tables
-- and create nothing anywhere, so it can neither change its own tables nor read another
-- service's. Each role may connect to this database only: PUBLIC loses CONNECT on the cluster's
-- other databases (roles that are not the platform's are granted it back), but a database
-- created later gives it to PUBLIC again (docs/deploy.md, "Postgres in production").
-- Run it as a superuser, on the service's database. Safe to run twice, and while other
-- databases of the cluster are made and dropped. Passwords equal role names: for dev and
-- compose only.
`;

const preamble = `REVOKE CREATE ON SCHEMA public FROM PUBLIC;
`;

const body = `  service text;
  owner text;
  other text;
  login text;
BEGIN
  -- Concurrent GRANTs on one database's row fail ("tuple concurrently updated"), and a database
  -- dropped while we walk the list fails the walk: hold CREATE/DROP DATABASE and other runs of
  -- this file off until the transaction ends (milliseconds).
  LOCK TABLE pg_catalog.pg_database IN SHARE ROW EXCLUSIVE MODE;

  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());

  FOREACH service IN ARRAY services
  LOOP
    owner := service || '_owner';
    -- Roles are cluster-wide: another database (or a concurrent run) may have made them already.
    FOREACH login IN ARRAY ARRAY[service, owner]
    LOOP
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = login) THEN
        BEGIN
          EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', login, login);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
          NULL;
        END;
      END IF;
    END LOOP;

    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', service, owner);
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', service, owner);
    -- What an earlier version of this file let the runtime role make (its tables, migrated as
    -- it) passes to the owner, or the runtime role could still alter and drop it.
    EXECUTE format('REASSIGN OWNED BY %I TO %I', service, owner);

    -- CREATE on the database because drizzle's migrator and each first migration run
    -- CREATE SCHEMA IF NOT EXISTS, which needs it even when the schema exists.
    EXECUTE format('GRANT CONNECT, CREATE ON DATABASE %I TO %I', current_database(), owner);
    EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM %I', current_database(), service);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), service);

    -- The runtime role: its tables' rows (TRUNCATE for rebuilding a read model), now and for
    -- every table the owner makes later.
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', service, service);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA %I '
      'TO %I', service, service);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', service, service);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
      'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO %I', owner, service, service);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
      'GRANT USAGE, SELECT ON SEQUENCES TO %I', owner, service, service);

    -- The migrations history (shared/db/migrate.ts), made here so the runtime role may only
    -- read it (to see that it has nothing to migrate): writing, it could skip or repeat one.
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I.migrations '
      '(id serial PRIMARY KEY, hash text NOT NULL, created_at bigint)', service);
    EXECUTE format('ALTER TABLE %I.migrations OWNER TO %I', service, owner);
    EXECUTE format('REVOKE ALL ON TABLE %I.migrations FROM %I', service, service);
    EXECUTE format('GRANT SELECT ON TABLE %I.migrations TO %I', service, service);
    EXECUTE format('REVOKE ALL ON SEQUENCE %I.migrations_id_seq FROM %I', service, service);

    -- Databases migrated before the history moved keep it in schema drizzle, which the owner
    -- reads once to carry it over; the runtime role loses what it had there.
    IF EXISTS (SELECT FROM pg_namespace WHERE nspname = 'drizzle') THEN
      EXECUTE format('GRANT USAGE ON SCHEMA drizzle TO %I', owner);
      EXECUTE format('REVOKE ALL ON SCHEMA drizzle FROM %I', service);
    END IF;
  END LOOP;

  -- PUBLIC may connect to every database Postgres makes. Close the others that still allow it,
  -- granting CONNECT first to each login role that is not the platform's, so other users of a
  -- shared cluster keep what they had. A database already closed to PUBLIC is left as it is.
  FOR other IN
    SELECT datname FROM pg_database
    WHERE datallowconn AND datname <> current_database()
      AND has_database_privilege('public', oid, 'CONNECT')
  LOOP
    FOR login IN
      SELECT rolname FROM pg_roles
      WHERE rolcanlogin AND NOT rolsuper AND rolname <> ALL (services)
        AND rolname <> ALL (ARRAY(SELECT unnest(services) || '_owner'))
    LOOP
      EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', other, login);
    END LOOP;
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', other);
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
  return `${header}\n${preamble}\nDO $$\nDECLARE\n  services text[] := ARRAY[\n${list}\n  ];\n` +
    body;
}

if (import.meta.main) {
  const file = fileURLToPath(new URL("postgres/init.sql", import.meta.url));
  await Deno.writeTextFile(file, postgresInitFile());
  console.log(`postgres init: wrote ${file} (${databaseOwners().length} roles)`);
}
