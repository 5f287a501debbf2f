/**
 * The registry (services/registry.ts) is the one list of services: every service folder is in
 * it, everything that needs the services reads it, and a service is booted from its entry
 * alone. The tally fixture (tests/fixtures/registry_service/) is a whole service, schema and
 * migration, endpoint and consumer, that nothing else names: added to a registry, the test
 * stack boots it, it answers its endpoint and consumes an event.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { boundaryViolations } from "../infra/check_boundaries.ts";
import { composeFile } from "../infra/compose.ts";
import { postgresInitFile } from "../infra/postgres_init.ts";
import { registry, serviceNamed, serviceNames } from "../services/registry.ts";
import { rpcClient } from "../shared/bus/mod.ts";
import { tally, tallyApi } from "./fixtures/registry_service/service.ts";
import { signUp } from "./harness/clients.ts";
import { eventually } from "./harness/eventually.ts";
import { startStack } from "./harness/stack.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

Deno.test("registry: the one list of services", async (t) => {
  await t.step("every folder of services/ is in it, and each entry has its folder", async () => {
    const folders: string[] = [];
    for await (const entry of Deno.readDir(`${root}/services`)) {
      if (entry.isDirectory) folders.push(entry.name);
    }
    assert.deepEqual([...serviceNames].sort(), folders.sort());
    for (const name of serviceNames) {
      const main = await Deno.stat(`${root}/services/${name}/main.ts`);
      assert.ok(main.isFile, `services/${name}/main.ts`);
    }
  });

  await t.step("names and dev ports are unique; lookups find them", () => {
    assert.equal(new Set(serviceNames).size, registry.length);
    assert.equal(new Set(registry.map((s) => s.port)).size, registry.length);
    assert.equal(serviceNamed("orders")?.name, "orders");
    assert.equal(serviceNamed("nope"), undefined);
    assert.equal(serviceNamed("tally", [...registry, tally]), tally);
  });

  await t.step("only the gateway owns no data", () => {
    const without = registry.filter((s) => s.migrations === null).map((s) => s.name);
    assert.deepEqual(without, ["gateway"]);
  });

  await t.step("every service with a database has its role and schema in init.sql", async () => {
    const rolesOf = (sql: string) => {
      const listed = sql.match(/services text\[\] := ARRAY\[([^\]]*)\]/)?.[1] ?? "";
      return [...listed.matchAll(/'([^']+)'/g)].map((m) => m[1]);
    };
    const sql = await Deno.readTextFile(`${root}/infra/postgres/init.sql`);
    const owners = registry.filter((s) => s.migrations !== null).map((s) => s.name);
    assert.deepEqual(rolesOf(sql), owners);
    // Made by infra/postgres_init.ts: a service added to the registry gets its role with it.
    assert.deepEqual(rolesOf(postgresInitFile([...registry, tally])), [...owners, "tally"]);
  });

  await t.step("compose.yaml made from a registry with it has its container", () => {
    const compose = composeFile([...registry, tally]);
    assert.match(compose, /^ {2}tally:\n(?: {4}.*\n)*? {8}SERVICE: tally$/m);
    assert.match(compose, /^ {6}TALLY_DATABASE_URL: postgres:\/\/tally:tally@postgres:5432\/app$/m);
    assert.match(
      compose,
      /^ {6}TALLY_MIGRATION_DATABASE_URL: postgres:\/\/tally_owner:tally_owner@postgres:5432\/app$/m,
    );
  });

  await t.step("a service that imports the registry breaks the boundaries", async () => {
    const found = await boundaryViolations("tests/fixtures/boundary/registry.ts", "orders");
    const modules = found.map((v) => v.module);
    assert.ok(modules.includes("services/registry.ts"), modules.join(", "));
  });
});

Deno.test({
  name: "registry: a service added to it is booted from its entry alone, serves and consumes",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const stack = await startStack({
      registry: [...registry, tally],
      services: ["users", "tally"],
    });
    try {
      const client = rpcClient(stack.nc, tallyApi, { timeoutMs: 2000 });

      await t.step("it answers its endpoint, over its own migrated schema", async () => {
        assert.deepEqual(await client.signups({}), { count: 0 });
      });

      await t.step("it consumes users.user.registered from the USERS stream", async () => {
        await signUp(stack);
        await signUp(stack);
        const counted = await eventually(async () => {
          const { count } = await client.signups({});
          return count === 2 ? count : undefined;
        });
        assert.equal(counted, 2);
      });

      await t.step("its database is the stack's, like any service's", async () => {
        const database = await stack.database("tally");
        assert.equal(database.driver, stack.databases.driver);
      });
    } finally {
      await stack.close();
    }
  },
});
