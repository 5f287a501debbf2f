/**
 * A drizzle query built once and run on any connection or transaction. Drizzle builds a query's
 * SQL text again on every call, which here costs about a third of a small statement's CPU, and
 * its `.prepare()` binds the result to the connection it was made on, so a prepared query
 * cannot run in a transaction (drizzle-orm#613, #2826). A statement records what `.prepare()`
 * hands the session (the SQL, its parameters and how rows map back) the first time it runs,
 * then asks the session of whatever database or transaction it is given to run that.
 *
 *     const insertStep = statement("insert_step", (db, p) =>
 *       db.insert(timeline).values({ orderId: p.orderId, type: p.type }));
 *     await insertStep(tx, { orderId, type });
 */
import { type SQL, sql } from "drizzle-orm";
import type { PgPreparedQuery, PreparedQueryConfig } from "drizzle-orm/pg-core";
import type { Database } from "./client.ts";

/**
 * Placeholders by name: `p.orderId` stands for the value named `orderId` at run time. Each is
 * wrapped in `sql`, which every builder method takes (`set()` does not take a bare placeholder).
 */
export type Placeholders = Record<string, SQL>;

type Prepared<T extends PreparedQueryConfig> = { prepare(name: string): PgPreparedQuery<T> };

/** Runs the statement on `db` (a database or a transaction) with these placeholder values. */
export type Statement<R> = (db: Database, values: Record<string, unknown>) => Promise<R>;

/**
 * A statement named `name` (as Postgres sees it prepared) whose query `build` makes from
 * placeholders (`p.<name>`); the SQL is recorded on the first run and reused on every database or
 * transaction after. Runs with a value per placeholder and resolves to what the query returns.
 * Throws what the driver throws.
 */
export function statement<T extends PreparedQueryConfig>(
  name: string,
  build: (db: Database, p: Placeholders) => Prepared<T>,
): Statement<T["execute"]> {
  let recorded: Recording | null = null;
  return (db, values) => {
    recorded ??= record(db, name, build);
    const prepareQuery = db._.session.prepareQuery as (...args: unknown[]) => PgPreparedQuery<T>;
    const query = prepareQuery.apply(db._.session, recorded.args);
    Object.assign(query, { joinsNotNullableMap: recorded.joinsNotNullableMap });
    return query.execute(driverValues(values));
  };
}

/** What a query builder passed to `session.prepareQuery`, and what it set on the result. */
interface Recording {
  args: unknown[];
  joinsNotNullableMap?: unknown;
  setToken(): Recording;
}

function record(
  db: Database,
  name: string,
  build: (db: Database, p: Placeholders) => Prepared<PreparedQueryConfig>,
): Recording {
  const recording: Recording = { args: [], setToken: () => recording };
  const session = new Proxy(db._.session, {
    get: (target, property, receiver) =>
      property === "prepareQuery"
        ? (...args: unknown[]) => (recording.args = args, recording)
        : Reflect.get(target, property, receiver),
  });
  // Builders take the session from the database they are made on.
  const recorder = new Proxy(db, {
    get: (target, property, receiver) =>
      property === "session" ? session : Reflect.get(target, property, receiver),
  });
  const p = new Proxy({} as Placeholders, {
    get: (_, property) => sql`${sql.placeholder(String(property))}`,
  });
  build(recorder, p).prepare(name);
  return recording;
}

/**
 * A placeholder's value skips its column's encoding, so encode as drizzle's timestamp columns
 * do: a Date goes to the driver as ISO text.
 */
function driverValues(values: Record<string, unknown>): Record<string, unknown> {
  const encoded: Record<string, unknown> = {};
  for (const key in values) {
    const value = values[key];
    encoded[key] = value instanceof Date ? value.toISOString() : value;
  }
  return encoded;
}
