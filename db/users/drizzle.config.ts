import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/users/schema.ts",
  out: "./db/users/migrations",
  schemaFilter: ["users"],
  migrations: { schema: "drizzle", table: "users_migrations" },
});
