import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/orders/schema.ts",
  out: "./db/orders/migrations",
  schemaFilter: ["orders"],
  migrations: { schema: "drizzle", table: "orders_migrations" },
});
