/** The orders service's tables, in its own Postgres schema. */
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { inboxTable } from "../../../shared/events/inbox.ts";
import { outboxTable } from "../../../shared/outbox/table.ts";

export const ordersSchema = pgSchema("orders");

export const orders = ordersSchema.table("orders", {
  id: uuid("id").primaryKey(),
  userId: uuid("user_id").notNull(),
  /** pending, confirmed or cancelled; see services/orders/domain.ts for the transitions. */
  status: text("status").notNull(),
  reason: text("reason"),
  totalCents: bigint("total_cents", { mode: "number" }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  /** When the saga must have ended: a pending order past it is cancelled (`timed_out`). */
  deadlineAt: timestamp("deadline_at", { withTimezone: true }).notNull(),
}, (t) => [
  // The deadline sweep's look: pending orders by deadline, a small index (ended orders leave it).
  index("orders_pending_by_deadline").on(t.deadlineAt).where(sql`${t.status} = 'pending'`),
  // A user's orders, newest first, a page at a time: the whole keyset, NULLS FIRST as ORDER BY
  // ... DESC means (drizzle's default, NULLS LAST, has Postgres sort the rows instead).
  index("orders_by_user").on(t.userId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
  check("total_never_negative", sql`${t.totalCents} >= 0`),
]);

export const orderLines = ordersSchema.table("order_lines", {
  orderId: uuid("order_id").notNull().references(() => orders.id),
  line: integer("line").notNull(),
  productId: uuid("product_id").notNull(),
  quantity: integer("quantity").notNull(),
  unitPriceCents: bigint("unit_price_cents", { mode: "number" }).notNull(),
}, (t) => [primaryKey({ columns: [t.orderId, t.line] })]);

/** `Idempotency-Key` per user: the request it came with and the order it made. */
export const idempotencyKeys = ordersSchema.table("idempotency_keys", {
  userId: uuid("user_id").notNull(),
  key: text("key").notNull(),
  requestHash: text("request_hash").notNull(),
  orderId: uuid("order_id").notNull().references(() => orders.id),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  primaryKey({ columns: [t.userId, t.key] }),
  // The retention purge's query: keys by age (services/orders/retention.ts).
  index("idempotency_keys_created").on(t.createdAt),
]);

/** Every saga event of an order, once each, in the order it was recorded. */
export const timeline = ordersSchema.table("timeline", {
  seq: bigserial("seq", { mode: "number" }).primaryKey(),
  orderId: uuid("order_id").notNull(),
  type: text("type").notNull(),
  source: text("source").notNull(),
  at: timestamp("at", { withTimezone: true }).notNull(),
}, (t) => [
  unique("timeline_once").on(t.orderId, t.type),
  // The retention purge's query: steps by age (services/orders/retention.ts).
  index("timeline_at").on(t.at),
]);

/**
 * The saga's failure state, for operators: a compensation (`refund`, `release`) that failed on
 * every delivery, as its service said (payments.refund.failed, catalog.release.failed). The row
 * goes when the compensation is done after all (payments.payment.refunded,
 * catalog.stock.released). A saga is `compensation_failed` while it has a row here.
 */
export const failedCompensations = ordersSchema.table("failed_compensations", {
  orderId: uuid("order_id").notNull(),
  /** refund or release */
  compensation: text("compensation").notNull(),
  /** The service that failed to compensate. */
  service: text("service").notNull(),
  /** Its last failure. */
  error: text("error").notNull(),
  failedAt: timestamp("failed_at", { withTimezone: true }).notNull(),
}, (t) => [primaryKey({ columns: [t.orderId, t.compensation] })]);

export const outbox = outboxTable(ordersSchema);
export const inbox = inboxTable(ordersSchema);
