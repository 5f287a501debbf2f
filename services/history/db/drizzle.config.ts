import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./services/history/db/schema.ts",
  out: "./services/history/db/migrations",
  schemaFilter: ["history"],
  migrations: { schema: "history", table: "migrations" },
});
