/** The users service's tables, in its own Postgres schema. */
import { pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { outboxTable } from "../../../shared/outbox/table.ts";

export const usersSchema = pgSchema("users");

export const accounts = usersSchema.table("accounts", {
  id: uuid("id").primaryKey(),
  /** Lower-cased, so one address cannot register twice in other letters. */
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  /** `pbkdf2-sha256$<iterations>$<salt>$<hash>`, base64. */
  passwordHash: text("password_hash").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const outbox = outboxTable(usersSchema);
