import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/notifications/schema.ts",
  out: "./db/notifications/migrations",
  schemaFilter: ["notifications"],
  migrations: { schema: "drizzle", table: "notifications_migrations" },
});
