import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/history/schema.ts",
  out: "./db/history/migrations",
  schemaFilter: ["history"],
  migrations: { schema: "drizzle", table: "history_migrations" },
});
