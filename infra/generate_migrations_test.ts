import assert from "node:assert/strict";
import { databaseFolder, embedMigrations, servicesWithDatabase } from "./generate_migrations.ts";

Deno.test("each service's embedded migrations are what drizzle reads from its folder", async () => {
  const services = await servicesWithDatabase();
  assert.deepEqual(
    services.toSorted(),
    ["catalog", "history", "notifications", "orders", "payments", "users"],
  );
  for (const service of services) {
    const folder = databaseFolder(service);
    const module = await Deno.readTextFile(new URL("migrations.ts", folder));
    assert.equal(
      module,
      embedMigrations(new URL("migrations/", folder)),
      `${service}: migrations.ts is stale; run deno task db:generate`,
    );
  }
});
