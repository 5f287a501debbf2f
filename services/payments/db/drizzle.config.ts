import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./services/payments/db/schema.ts",
  out: "./services/payments/db/migrations",
  schemaFilter: ["payments"],
  migrations: { schema: "payments", table: "migrations" },
});
