/** Every service's migrations, from the registry, for tests that open any service's database. */
import type { Migration } from "../../shared/db/client.ts";
import { registry } from "../../services/registry.ts";

export const migrationsOf: Record<string, Migration[]> = Object.fromEntries(
  registry.flatMap(({ name, migrations }) => migrations ? [[name, migrations]] : []),
);
