/**
 * The SQL side of keyset paging (shared/contracts/paging.ts): a row's sort key read at the
 * database's precision, and the rows after a cursor's key in (time desc, id desc).
 */
import { type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { PageKey } from "../contracts/paging.ts";

/**
 * A timestamptz column as a cursor keeps it: ISO 8601 UTC with microseconds. A JS Date keeps
 * milliseconds only, and a `defaultNow()` time has microseconds: a cursor cut to milliseconds
 * would serve a row twice or skip its neighbours.
 */
export function exactTime(column: AnyPgColumn): SQL<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** The rows strictly after `key` in (time desc, id desc): a row comparison, one index range. */
export function olderThan(time: AnyPgColumn, id: AnyPgColumn, key: PageKey | undefined) {
  return key ? sql`(${time}, ${id}) < (${key.at}::timestamptz, ${key.id}::uuid)` : undefined;
}
