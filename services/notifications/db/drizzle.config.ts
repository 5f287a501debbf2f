import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./services/notifications/db/schema.ts",
  out: "./services/notifications/db/migrations",
  schemaFilter: ["notifications"],
  migrations: { schema: "notifications", table: "migrations" },
});
