/** The catalog service's tables, in its own Postgres schema. */
import { sql } from "drizzle-orm";
import { check, integer, pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { outboxTable } from "../../shared/outbox/table.ts";

export const catalogSchema = pgSchema("catalog");

export const products = catalogSchema.table("products", {
  id: uuid("id").primaryKey(),
  sku: text("sku").notNull().unique(),
  name: text("name").notNull(),
  priceCents: integer("price_cents").notNull(),
  stock: integer("stock").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  check("stock_never_negative", sql`${t.stock} >= 0`),
  check("price_never_negative", sql`${t.priceCents} >= 0`),
]);

export const outbox = outboxTable(catalogSchema);
