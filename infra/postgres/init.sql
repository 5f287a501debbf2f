-- Made from services/registry.ts by infra/postgres_init.ts: edit those, then run
-- deno run --allow-read --allow-write infra/postgres_init.ts
--
-- One login role and one schema per service, each role owning only its own schema, so no
-- service can read another's tables. Safe to run twice, and on any database of the cluster.
-- Passwords equal role names: for dev and compose only.

CREATE SCHEMA IF NOT EXISTS drizzle;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;

DO $$
BEGIN
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
END
$$;

DO $$
DECLARE
  service text;
BEGIN
  FOREACH service IN ARRAY ARRAY[
    'users',
    'catalog',
    'orders',
    'payments',
    'notifications',
    'history'
  ]
  LOOP
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
