import assert from "node:assert/strict";
import { boundaryViolations } from "./check_boundaries.ts";
import { registry as services } from "../services/registry.ts";

Deno.test("boundaries: a service importing another's code and schema is caught", async () => {
  const found = await boundaryViolations("tests/fixtures/boundary/main.ts", "orders");
  const modules = found.map((v) => v.module).sort();
  assert.ok(modules.includes("services/users/password.ts"), modules.join(", "));
  assert.ok(modules.includes("services/users/db/schema.ts"), modules.join(", "));
});

Deno.test("boundaries: every service of the tree stays within its own", async () => {
  for (const { name } of services) {
    assert.deepEqual(await boundaryViolations(`services/${name}/main.ts`, name), [], name);
  }
});
