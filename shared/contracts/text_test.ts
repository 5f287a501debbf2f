/**
 * `text()` refuses what Postgres text cannot hold as given (NUL, lone surrogates, lengths out of
 * bounds) and takes anything else unchanged; `timestamp` refuses year 0000.
 */
import assert from "node:assert/strict";
import { text, timestamp, usersApi } from "./mod.ts";

Deno.test("contracts: text() refuses what Postgres text cannot hold as given", async (t) => {
  const field = text(10, { min: 1 });
  await t.step("NUL, lone surrogates, too long, too short: refused", () => {
    for (const bad of ["", "a\u0000", "\ud83d", "\ude00x", "x".repeat(11)]) {
      assert.equal(field.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });
  await t.step("any other text, surrogate pairs too: taken as given", () => {
    for (const good of ["Ada", "😀", "Zoë \t Łódź", "\u007f\u0001"]) {
      assert.equal(field.parse(good), good);
    }
  });
  await t.step("a register request names the field at fault", () => {
    const result = usersApi.endpoints.register.request.safeParse({
      email: "a@example.com",
      password: "long enough",
      name: "Ada\u0000",
    });
    assert.equal(result.success, false);
    assert.deepEqual(result.error!.issues.map((issue) => issue.path), [["name"]]);
  });
  await t.step("year 0000 (Postgres: out of range) is not a timestamp", () => {
    assert.equal(timestamp.safeParse("0000-01-01T00:00:00Z").success, false);
    assert.equal(timestamp.safeParse("0001-01-01T00:00:00Z").success, true);
  });
});
