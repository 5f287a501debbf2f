import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./services/orders/db/schema.ts",
  out: "./services/orders/db/migrations",
  schemaFilter: ["orders"],
  migrations: { schema: "orders", table: "migrations" },
});
