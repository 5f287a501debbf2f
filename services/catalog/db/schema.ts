/** The catalog service's tables, in its own Postgres schema. */
import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  integer,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { inboxTable } from "../../../shared/events/inbox.ts";
import { outboxTable } from "../../../shared/outbox/table.ts";

export const catalogSchema = pgSchema("catalog");

export const products = catalogSchema.table("products", {
  id: uuid("id").primaryKey(),
  sku: text("sku").notNull().unique(),
  name: text("name").notNull(),
  priceCents: bigint("price_cents", { mode: "number" }).notNull(),
  stock: integer("stock").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  check("stock_never_negative", sql`${t.stock} >= 0`),
  check("price_never_negative", sql`${t.priceCents} >= 0`),
]);

export const outbox = outboxTable(catalogSchema);

/** Stock held for an order: reserved all at once, released when the order is cancelled. */
export const reservations = catalogSchema.table("reservations", {
  orderId: uuid("order_id").primaryKey(),
  /** reserved or released */
  status: text("status").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const reservationLines = catalogSchema.table("reservation_lines", {
  orderId: uuid("order_id").notNull().references(() => reservations.orderId),
  productId: uuid("product_id").notNull().references(() => products.id),
  quantity: integer("quantity").notNull(),
}, (t) => [primaryKey({ columns: [t.orderId, t.productId] })]);

export const inbox = inboxTable(catalogSchema);
