import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./services/catalog/db/schema.ts",
  out: "./services/catalog/db/migrations",
  schemaFilter: ["catalog"],
  migrations: { schema: "catalog", table: "migrations" },
});
