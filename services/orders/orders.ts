/** The orders tables: placing an order with its event, reading orders, changing status. */
import { and, asc, desc, eq, inArray, sql, TransactionRollbackError } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Database } from "../../db/client.ts";
import { statement } from "../../db/statement.ts";
import { idempotencyKeys, orderLines, orders, outbox, timeline } from "../../db/orders/schema.ts";
import {
  type CancelReason,
  type Order,
  orderCancelled,
  orderConfirmed,
  orderPlaced,
} from "../../shared/contracts/mod.ts";
import { createEvent, enqueueEvent, type EventOrigin } from "../../shared/outbox/mod.ts";
import { type OrderChange, type OrderStatus, statusesAllowing } from "./domain.ts";
import { together } from "../../db/together.ts";

const source = "orders";

// The statements of the saga's hot path, built once (see db/statement.ts).
const insertOrder = statement("orders_insert", (db, p) =>
  db.insert(orders).values({
    id: p.id,
    userId: p.userId,
    status: "pending",
    totalCents: p.totalCents,
  }));
// The lines go in as arrays, so one statement serves an order of any length.
const insertLines = statement("orders_insert_lines", (db, p) =>
  db.insert(orderLines).select(
    sql`select ${p.orderId}::uuid, line::int - 1, product_id, quantity, unit_price_cents
        from unnest(${p.productIds}::uuid[], ${p.quantities}::int[], ${p.unitPrices}::int[])
        with ordinality as items(product_id, quantity, unit_price_cents, line)`,
  ));
const insertStep = statement(
  "orders_insert_step",
  (db, p) =>
    db.insert(timeline).values({ orderId: p.orderId, type: p.type, source: p.source, at: p.at })
      .onConflictDoNothing(),
);
// Changes the status only from one the rule allows (see `statusesAllowing`): no read first.
const changeStatusFrom = statement(
  "orders_change_status",
  (db, p) =>
    db.update(orders).set({ status: p.status, reason: p.reason, updatedAt: p.updatedAt })
      .where(and(eq(orders.id, p.orderId), sql`${orders.status} = any(${p.from}::text[])`))
      .returning({ userId: orders.userId, totalCents: orders.totalCents }),
);

export interface NewOrder {
  userId: string;
  items: { productId: string; quantity: number; unitPriceCents: number }[];
  totalCents: number;
  idempotency?: { key: string; fingerprint: string };
}

export type PlaceResult =
  | { placed: true; orderId: string }
  | { placed: false; orderId: string; fingerprint: string };

/**
 * Stores the order, its lines, its key and `orders.order.placed` in one transaction. When the
 * key was used before, nothing is written and the earlier order is returned instead.
 * `committed` hears of the transaction once the order is stored (the relay publishes its event).
 */
export function placeOrder(
  db: Database,
  order: NewOrder,
  origin: EventOrigin,
  committed?: (tx: Database) => void,
) {
  let transaction: Database | undefined;
  return db.transaction(async (tx): Promise<PlaceResult> => {
    transaction = tx;
    const orderId = uuidv7();
    const event = createEvent(orderPlaced, {
      orderId,
      userId: order.userId,
      items: order.items,
      totalCents: order.totalCents,
    }, origin);
    // The order and what refers to it, sent together: one round trip (see "Pipelined
    // statements"). Postgres runs them in the order they are sent, and the order goes first, so
    // it exists before anything that refers to it.
    const [, claimed] = await together([
      insertOrder(tx, { id: orderId, userId: order.userId, totalCents: order.totalCents }),
      order.idempotency ? claimKey(tx, order.userId, order.idempotency, orderId) : true,
      insertLines(tx, {
        orderId,
        productIds: order.items.map((item) => item.productId),
        quantities: order.items.map((item) => item.quantity),
        unitPrices: order.items.map((item) => item.unitPriceCents),
      }),
      enqueueEvent(tx, outbox, event),
      recordStep(tx, { orderId, type: event.type, source, at: event.occurredAt }),
    ]);
    if (!claimed) tx.rollback();
    return { placed: true, orderId };
  }).then((result) => {
    committed?.(transaction!);
    return result;
  }, async (error) => {
    // Rolled back because the key was taken: answer with the order the key made before.
    if (!order.idempotency || !(error instanceof TransactionRollbackError)) throw error;
    const earlier = await findByKey(db, order.userId, order.idempotency.key);
    if (!earlier) throw error;
    return { placed: false, orderId: earlier.orderId, fingerprint: earlier.requestHash };
  });
}

/** False when the user used this key before. */
async function claimKey(
  tx: Database,
  userId: string,
  idempotency: { key: string; fingerprint: string },
  orderId: string,
): Promise<boolean> {
  const claimed = await tx.insert(idempotencyKeys).values({
    userId,
    key: idempotency.key,
    requestHash: idempotency.fingerprint,
    orderId,
  }).onConflictDoNothing().returning({ key: idempotencyKeys.key });
  return claimed.length > 0;
}

export async function findByKey(db: Database, userId: string, key: string) {
  const [row] = await db.select().from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
  return row ?? null;
}

/** Records one saga step of an order; the same step twice is recorded once. */
export async function recordStep(
  tx: Database,
  step: { orderId: string; type: string; source: string; at: string },
) {
  await insertStep(tx, { ...step, at: new Date(step.at) });
}

/**
 * Confirms or cancels a pending order and states it with an event, in the caller's
 * transaction. Does nothing to an order that already ended.
 */
export async function changeStatus(
  tx: Database,
  orderId: string,
  change: OrderChange,
  origin: EventOrigin,
): Promise<boolean> {
  const reason = change.to === "cancelled" ? change.reason : null;
  const [changed] = await changeStatusFrom(tx, {
    orderId,
    from: statusesAllowing(change),
    status: change.to,
    reason,
    updatedAt: new Date(),
  });
  if (!changed) return false; // no such order, or it already ended
  const event = change.to === "confirmed"
    ? createEvent(orderConfirmed, {
      orderId,
      userId: changed.userId,
      totalCents: changed.totalCents,
    }, origin)
    : createEvent(orderCancelled, {
      orderId,
      userId: changed.userId,
      reason: reason as CancelReason,
    }, origin);
  await together([
    enqueueEvent(tx, outbox, event),
    recordStep(tx, { orderId, type: event.type, source, at: event.occurredAt }),
  ]);
  return true;
}

/** The user's order, or null: another user's order is not found, not forbidden. */
export async function findOrder(db: Database, userId: string, orderId: string) {
  const [row] = await db.select().from(orders)
    .where(and(eq(orders.id, orderId), eq(orders.userId, userId)));
  if (!row) return null;
  return (await withLines(db, [row]))[0];
}

export async function listOrders(db: Database, userId: string, limit = 100): Promise<Order[]> {
  const rows = await db.select().from(orders).where(eq(orders.userId, userId))
    .orderBy(desc(orders.createdAt), desc(orders.id)).limit(limit);
  return withLines(db, rows);
}

export function timelineOf(db: Database, orderId: string) {
  return db.select({ at: timeline.at, type: timeline.type, source: timeline.source })
    .from(timeline).where(eq(timeline.orderId, orderId)).orderBy(asc(timeline.seq));
}

async function withLines(db: Database, rows: (typeof orders.$inferSelect)[]): Promise<Order[]> {
  if (rows.length === 0) return [];
  const lines = await db.select().from(orderLines)
    .where(inArray(orderLines.orderId, rows.map((row) => row.id)))
    .orderBy(asc(orderLines.orderId), asc(orderLines.line));
  return rows.map((row) => ({
    id: row.id,
    status: row.status as OrderStatus,
    ...(row.reason ? { reason: row.reason as CancelReason } : {}),
    items: lines.filter((line) => line.orderId === row.id).map((line) => ({
      productId: line.productId,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
    })),
    totalCents: row.totalCents,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }));
}
