/**
 * Keyset paging, the one way every list is served (HTTP and RPC): newest first, a bounded page
 * at a time, with an opaque cursor naming the last row served. A page never holds more than
 * `maxPageSize` rows, so no list reply can grow past NATS max_payload however many rows a user
 * has (issue 17: an unpaged GET /history passed 1 MiB at about 5,000 orders).
 *
 * A cursor is base64url of `<time>|<id>`: the sort key of the last row served, the time with the
 * database's microseconds (an ISO 8601 UTC instant). The next page is the rows strictly before it
 * in (time desc, id desc), so rows added meanwhile (newer) never shift a page, and rows sharing a
 * time are told apart by id. Not OFFSET: the cost of a page does not grow with its depth.
 */
import * as z from "zod";
import { uuid } from "./fields.ts";

/** Rows in a page when the caller names no `limit`. */
export const defaultPageSize = 50;
/** The most rows a page may hold; a larger `limit` is refused (400 invalid), not trimmed. */
export const maxPageSize = 200;
/** base64url of a 27-character time, `|` and a 36-character UUID is 86 characters. */
export const maxCursorLength = 128;

/** The sort key of a row: its time (ISO 8601 UTC, up to microseconds) and its id (a UUID). */
export interface PageKey {
  at: string;
  id: string;
}

// Years 1000 to 9999: Postgres refuses year 0, and a real row's time is never near either end.
const instant = /^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** A real instant, written as itself: no 30 February, which JS reads as 2 March. */
function isInstant(text: string): boolean {
  if (!instant.test(text)) return false;
  const time = Date.parse(text);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 19) === text.slice(0, 19);
}

/**
 * The opaque cursor of a page key: `<at>|<id>` as UTF-8, in unpadded base64url. `decodeCursor`
 * reads it back.
 */
export function encodeCursor(key: PageKey): string {
  const bytes = new TextEncoder().encode(`${key.at}|${key.id}`);
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The key a cursor names, or null when it is not a cursor this API made. */
export function decodeCursor(cursor: string): PageKey | null {
  if (cursor.length === 0 || cursor.length > maxCursorLength) return null;
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let text: string;
  try {
    text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return null;
  }
  const [at, id, ...rest] = text.split("|");
  if (rest.length > 0 || id === undefined) return null;
  if (!isInstant(at)) return null;
  const parsed = uuid.safeParse(id);
  if (!parsed.success) return null;
  return { at, id: parsed.data };
}

/** A cursor as a request field: checked where it enters, so a bad one is a 400 naming it. */
export const pageCursor = z.string().max(maxCursorLength).refine(
  (value) => decodeCursor(value) !== null,
  "not a cursor this API gave out",
);

/** The page size as a request field. */
export const pageSize = z.number().int().min(1).max(maxPageSize);

/** The paging fields of an RPC request; `limit` defaults to `defaultPageSize`. */
export const pageRequest = { limit: pageSize.optional(), cursor: pageCursor.optional() };

/** The paging fields of an HTTP query string (`?limit=20&cursor=...`). */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(maxPageSize).optional().describe(
    `rows per page, 1 to ${maxPageSize}; ${defaultPageSize} when absent`,
  ),
  cursor: pageCursor.optional().describe(
    "the `next` of the page before; absent for the first page",
  ),
});

/** The cursor of the page after this one, in a reply; absent on the last page. */
export const nextCursor = z.string().max(maxCursorLength).optional();

/**
 * One page of `rows`, which were read with a limit one above the page size (`limit + 1`): the
 * extra row, when there is one, only says that a next page exists, and is not served.
 */
export function pageOf<T>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => PageKey,
): { items: T[]; next?: string } {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, next: encodeCursor(keyOf(items[items.length - 1])) };
}

/**
 * The page a request asks for: its size (the default when absent) and the key it starts after.
 * The contract checked the cursor on the way in, so an invalid one here is a bug: TypeError.
 */
export function pageAsked(request: { limit?: number; cursor?: string }): {
  limit: number;
  after?: PageKey;
} {
  const limit = Math.min(request.limit ?? defaultPageSize, maxPageSize);
  if (request.cursor === undefined) return { limit };
  const after = decodeCursor(request.cursor);
  if (!after) throw new TypeError("an invalid cursor passed the contract");
  return { limit, after };
}
