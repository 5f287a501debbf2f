/**
 * infra/postgres/init.sql is what infra/postgres_init.ts makes from the registry, so a service
 * added to the registry without running it fails here rather than in compose, where its role
 * would be missing (tests/postgres_roles_test.ts proves what the file grants).
 */
import assert from "node:assert/strict";
import { registry } from "../services/registry.ts";
import { tally } from "../tests/fixtures/registry_service/service.ts";
import { databaseOwners, postgresInitFile } from "./postgres_init.ts";

/** The names the file's loop makes roles and schemas for, in order. */
function rolesOf(sql: string): string[] {
  const listed = sql.match(/services text\[\] := ARRAY\[([^\]]*)\]/)?.[1] ?? "";
  return [...listed.matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

Deno.test("postgres init: init.sql is made from the registry", async (t) => {
  await t.step("the committed file is what the generator writes", async () => {
    const written = await Deno.readTextFile(new URL("postgres/init.sql", import.meta.url));
    assert.equal(
      written,
      postgresInitFile(registry),
      "infra/postgres/init.sql differs: run deno task generate",
    );
  });

  await t.step("a role for each service with migrations, none for the gateway", () => {
    const roles = rolesOf(postgresInitFile(registry));
    assert.deepEqual(roles, ["users", "catalog", "orders", "payments", "notifications", "history"]);
    assert.deepEqual(roles, databaseOwners(registry));
  });

  await t.step("a service added to the registry gets its role", () => {
    assert.deepEqual(rolesOf(postgresInitFile([...registry, tally])).at(-1), "tally");
  });

  await t.step("a name that is no bare role name is refused, not quoted wrongly", () => {
    assert.throws(
      () => postgresInitFile([{ ...tally, name: "o'brien" }]),
      /not a role name: o'brien/,
    );
  });
});
