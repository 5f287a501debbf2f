import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./services/users/db/schema.ts",
  out: "./services/users/db/migrations",
  schemaFilter: ["users"],
  migrations: { schema: "users", table: "migrations" },
});
