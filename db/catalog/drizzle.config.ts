import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/catalog/schema.ts",
  out: "./db/catalog/migrations",
  schemaFilter: ["catalog"],
  migrations: { schema: "drizzle", table: "catalog_migrations" },
});
