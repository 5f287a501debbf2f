import assert from "node:assert/strict";
import {
  decodeCursor,
  defaultPageSize,
  encodeCursor,
  maxCursorLength,
  maxPageSize,
  pageAsked,
  pageOf,
  pageQuery,
  pageRequest,
} from "./paging.ts";
import * as z from "zod";

const key = { at: "2026-11-30T04:25:29.123456Z", id: "0193a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b" };

Deno.test("paging: cursors", async (t) => {
  await t.step("a cursor names its key again, in base64url, within its bound", () => {
    const cursor = encodeCursor(key);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.ok(cursor.length <= maxCursorLength);
    assert.deepEqual(decodeCursor(cursor), key);
    const millis = { ...key, at: "2026-11-30T04:25:29.123Z" };
    assert.deepEqual(decodeCursor(encodeCursor(millis)), millis);
  });

  await t.step("anything else is not a cursor", () => {
    const b64 = (text: string) => btoa(text).replaceAll("=", "");
    for (
      const bad of [
        "",
        "!!!",
        "a",
        "x".repeat(maxCursorLength + 1),
        b64("2026-11-30T04:25:29Z"),
        b64(`2026-11-30T04:25:29Z|not-a-uuid`),
        b64(`yesterday|${key.id}`),
        b64(`2026-13-45T99:99:99Z|${key.id}`),
        b64(`2026-02-30T04:25:29Z|${key.id}`),
        b64(`0000-01-01T00:00:00Z|${key.id}`),
        b64(`2026-11-30T04:25:29.1234567Z|${key.id}`),
        b64(`${key.at}|${key.id}|more`),
        b64(`${key.at}|${key.id}\u0000`),
        encodeCursor(key) + "=",
      ]
    ) assert.equal(decodeCursor(bad), null, bad);
  });

  await t.step("a request's cursor and limit are checked where they enter", () => {
    const request = z.object(pageRequest);
    assert.ok(request.safeParse({}).success);
    assert.ok(request.safeParse({ limit: maxPageSize, cursor: encodeCursor(key) }).success);
    for (const bad of [{ limit: 0 }, { limit: maxPageSize + 1 }, { limit: 1.5 }, { cursor: "x" }]) {
      const parsed = request.safeParse(bad);
      assert.ok(!parsed.success, JSON.stringify(bad));
      assert.deepEqual(parsed.error.issues.map((i) => i.path.join(".")), Object.keys(bad));
    }
    assert.deepEqual(pageQuery.parse({ limit: "20" }), { limit: 20 });
    for (const limit of ["", "abc", "0", "201", "-1", "2.5"]) {
      assert.ok(!pageQuery.safeParse({ limit }).success, limit);
    }
  });
});

Deno.test("paging: pages", async (t) => {
  await t.step("the size asked, the default, never above the maximum", () => {
    assert.deepEqual(pageAsked({}), { limit: defaultPageSize });
    assert.deepEqual(pageAsked({ limit: 3, cursor: encodeCursor(key) }), { limit: 3, after: key });
    assert.equal(pageAsked({ limit: maxPageSize * 10 }).limit, maxPageSize);
    assert.throws(() => pageAsked({ cursor: "x" }), TypeError);
  });

  await t.step("a page read one row long has a next page, named by its last row", () => {
    const rows = [1, 2, 3].map((n) => ({ at: `2026-11-30T04:25:2${n}Z`, id: key.id }));
    assert.deepEqual(pageOf(rows, 3, (row) => row), { items: rows });
    const page = pageOf(rows, 2, (row) => row);
    assert.deepEqual(page.items, rows.slice(0, 2));
    assert.deepEqual(decodeCursor(page.next!), rows[1]);
  });
});
