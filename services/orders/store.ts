/** The orders tables: placing an order with its event, reading orders, changing status. */
import { and, asc, desc, eq, getTableColumns, inArray, lte, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Database } from "../../shared/db/client.ts";
import { sqlState } from "../../shared/db/errors.ts";
import { statement } from "../../shared/db/statement.ts";
import { idempotencyKeys, orderLines, orders, outbox, timeline } from "./db/schema.ts";
import { exactTime, olderThan } from "../../shared/db/paging.ts";
import {
  type CancelReason,
  maxTimelineSteps,
  type Order,
  orderCancelled,
  orderConfirmed,
  orderPlaced,
  type PageKey,
  pageOf,
} from "../../shared/contracts/mod.ts";
import { insertOutboxRow, type Publish, type PublishWith } from "../../shared/outbox/mod.ts";
import { expiry, type OrderChange, type OrderStatus, statusesAllowing } from "./domain.ts";
import { awaitAtCommit } from "../../shared/db/transaction.ts";

// The statements of the saga's hot path, built once (see shared/db/statement.ts).
const insertStep = statement(
  "orders_insert_step",
  (db, p) =>
    db.insert(timeline).values({ orderId: p.orderId, type: p.type, source: p.source, at: p.at })
      .onConflictDoNothing(),
);
/**
 * A new order with its lines, its event, its first step and, when it came with one, its
 * Idempotency-Key: one statement (data-modifying CTEs), atomic without BEGIN and COMMIT, so one
 * round trip in all. A key used before fails the whole statement with a unique violation, and
 * nothing of it is written. The lines go in as arrays: one statement serves any length.
 */
function placing(withKey: boolean) {
  return statement(withKey ? "orders_place_with_key" : "orders_place", (db, p) => {
    const order = db.$with("new_order").as(
      db.insert(orders)
        .values({
          id: p.id,
          userId: p.userId,
          status: "pending",
          totalCents: p.totalCents,
          deadlineAt: p.deadlineAt,
        })
        .returning({ id: orders.id }),
    );
    const lines = db.$with("new_lines").as(
      db.insert(orderLines).select(
        sql`select ${p.id}::uuid, line::int - 1, product_id, quantity, unit_price_cents
            from unnest(${p.productIds}::uuid[], ${p.quantities}::int[], ${p.unitPrices}::int[])
            with ordinality as items(product_id, quantity, unit_price_cents, line)`,
      ).returning({ line: orderLines.line }),
    );
    const event = db.$with("new_event").as(
      insertOutboxRow(db, outbox, {
        id: p.eventId,
        subject: p.subject,
        payload: p.payload,
        headers: p.headers,
      }).returning({ id: outbox.id }),
    );
    const key = db.$with("new_key").as(
      db.insert(idempotencyKeys)
        .values({ userId: p.userId, key: p.key, requestHash: p.fingerprint, orderId: p.id })
        .returning({ key: idempotencyKeys.key }),
    );
    return db.with(order, lines, event, ...(withKey ? [key] : []))
      .insert(timeline).values({ orderId: p.id, type: p.subject, source: p.source, at: p.at });
  });
}
const insertPlaced = placing(false);
const insertPlacedWithKey = placing(true);

// Records the step that brings a change, and changes the status only from one the rule allows
// (see `statusesAllowing`): one statement, no read first.
const stepThenChangeStatus = statement("orders_step_then_change_status", (db, p) => {
  const step = db.$with("step").as(
    db.insert(timeline).values({ orderId: p.orderId, type: p.type, source: p.source, at: p.at })
      .onConflictDoNothing().returning({ seq: timeline.seq }),
  );
  return db.with(step).update(orders)
    .set({ status: p.status, reason: p.reason, updatedAt: p.updatedAt })
    .where(and(eq(orders.id, p.orderId), sql`${orders.status} = any(${p.from}::text[])`))
    .returning({ userId: orders.userId, totalCents: orders.totalCents });
});

export interface NewOrder {
  userId: string;
  items: { productId: string; quantity: number; unitPriceCents: number }[];
  totalCents: number;
  /** When its saga must have ended (`sagaDeadline`). */
  deadlineAt: Date;
  idempotency?: { key: string; fingerprint: string };
}

export type PlaceResult =
  | { placed: true; orderId: string }
  | { placed: false; orderId: string; fingerprint: string };

/**
 * Stores the order, its lines, its key and `orders.order.placed` at once, through `publish` (a
 * single statement's: `ctx.transaction(work, { singleStatement: true })`). When the key was used
 * before, nothing is written and the earlier order is returned instead. `db` is the database,
 * not a transaction: the statement commits on its own, and only then may the event go out.
 */
export async function placeOrder(
  db: Database,
  order: NewOrder,
  publish: PublishWith,
): Promise<PlaceResult> {
  const orderId = uuidv7();
  const { idempotency } = order;
  let keyTaken: unknown;
  const placed = {
    orderId,
    userId: order.userId,
    items: order.items,
    totalCents: order.totalCents,
  };
  const written = await publish(orderPlaced, placed, async (row, event) => {
    try {
      await (idempotency ? insertPlacedWithKey : insertPlaced)(db, {
        id: orderId,
        userId: order.userId,
        totalCents: order.totalCents,
        deadlineAt: order.deadlineAt,
        productIds: order.items.map((item) => item.productId),
        quantities: order.items.map((item) => item.quantity),
        unitPrices: order.items.map((item) => item.unitPriceCents),
        eventId: row.id,
        subject: row.subject,
        payload: row.payload,
        headers: row.headers,
        source: event.source,
        at: new Date(event.occurredAt),
        key: idempotency?.key,
        fingerprint: idempotency?.fingerprint,
      });
      return true;
    } catch (error) {
      // A key used before (unique_violation): an answer, not a failure of the publish span.
      if (idempotency && sqlState(error) === "23505") return (keyTaken = error, false);
      throw error;
    }
  });
  if (written) return { placed: true, orderId };
  // Answer with the order the key made before.
  const earlier = await findByKey(db, order.userId, idempotency!.key);
  if (!earlier) throw keyTaken;
  return { placed: false, orderId: earlier.orderId, fingerprint: earlier.requestHash };
}

export async function findByKey(db: Database, userId: string, key: string) {
  const [row] = await db.select().from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
  return row ?? null;
}

/**
 * Records one saga step of an order; the same step twice is recorded once. Nothing reads the
 * answer: in a `transaction` the step goes with the commit (shared/db/transaction.ts).
 */
export function recordStep(
  tx: Database,
  step: { orderId: string; type: string; source: string; at: string },
) {
  return awaitAtCommit(tx, () => insertStep(tx, { ...step, at: new Date(step.at) }));
}

/**
 * Records `step` on the order's timeline, and confirms or cancels the order if it is pending,
 * stating the change with an event (`publish`, bound to the caller's transaction `tx`), then the
 * change's own step. Does nothing more to an order that already ended.
 */
export async function stepThenChange(
  tx: Database,
  step: { orderId: string; type: string; source: string; at: string },
  change: OrderChange,
  publish: Publish,
): Promise<boolean> {
  const { orderId } = step;
  const reason = change.to === "cancelled" ? change.reason : null;
  const [changed] = await stepThenChangeStatus(tx, {
    ...step,
    at: new Date(step.at),
    from: statusesAllowing(change),
    status: change.to,
    reason,
    updatedAt: new Date(),
  });
  if (!changed) return false; // no such order, or it already ended
  // In a transaction the event's insert goes with the commit: awaiting it costs no round trip.
  const event = change.to === "confirmed"
    ? await publish(orderConfirmed, {
      orderId,
      userId: changed.userId,
      totalCents: changed.totalCents,
    })
    : await publish(orderCancelled, { orderId, userId: changed.userId, reason: reason! });
  await recordStep(tx, { orderId, type: event.type, source: event.source, at: event.occurredAt });
  return true;
}

/**
 * Cancels (`expiry`: timed_out) up to `limit` pending orders whose deadline is at or before
 * `now`, oldest deadline first, each stating orders.order.cancelled through `publish` (bound to
 * `tx`, a transaction) and recording it on its timeline. Rows another instance's sweep holds are
 * skipped (FOR UPDATE SKIP LOCKED); the update checks the status again, so an order that ended
 * meanwhile is left as it ended. Resolves to the orders cancelled.
 */
export async function expireOverdue(
  tx: Database,
  { now, limit }: { now: Date; limit: number },
  publish: Publish,
): Promise<{ orderId: string; userId: string }[]> {
  const from = statusesAllowing(expiry);
  const due = tx.select({ id: orders.id }).from(orders)
    .where(and(inArray(orders.status, from), lte(orders.deadlineAt, now)))
    .orderBy(asc(orders.deadlineAt)).limit(limit).for("update", { skipLocked: true });
  const reason = expiry.to === "cancelled" ? expiry.reason : null;
  const expired = await tx.update(orders)
    .set({ status: expiry.to, reason, updatedAt: now })
    .where(and(inArray(orders.id, due), inArray(orders.status, from)))
    .returning({ orderId: orders.id, userId: orders.userId });
  for (const { orderId, userId } of expired) {
    const event = await publish(orderCancelled, { orderId, userId, reason: reason! });
    await recordStep(tx, { orderId, type: event.type, source: event.source, at: event.occurredAt });
  }
  return expired;
}

/** The user's order, or null: another user's order is not found, not forbidden. */
export async function findOrder(db: Database, userId: string, orderId: string) {
  const [row] = await db.select().from(orders)
    .where(and(eq(orders.id, orderId), eq(orders.userId, userId)));
  if (!row) return null;
  return (await withLines(db, [row]))[0];
}

/**
 * One page of the user's orders, newest first (created_at desc, id desc), after `page.after`
 * when given; `next` names the page after it, absent on the last (shared/contracts/paging.ts).
 */
export async function listOrders(
  db: Database,
  userId: string,
  page: { limit: number; after?: PageKey },
): Promise<{ items: Order[]; next?: string }> {
  const rows = await db.select({ ...getTableColumns(orders), key: exactTime(orders.createdAt) })
    .from(orders)
    .where(and(eq(orders.userId, userId), olderThan(orders.createdAt, orders.id, page.after)))
    .orderBy(desc(orders.createdAt), desc(orders.id)).limit(page.limit + 1);
  const { items, next } = pageOf(rows, page.limit, (row) => ({ at: row.key, id: row.id }));
  return { items: await withLines(db, items), ...(next ? { next } : {}) };
}

/** An order's steps in the order they were recorded, at most `maxTimelineSteps`. */
export function timelineOf(db: Database, orderId: string) {
  return db.select({ at: timeline.at, type: timeline.type, source: timeline.source })
    .from(timeline).where(eq(timeline.orderId, orderId)).orderBy(asc(timeline.seq))
    .limit(maxTimelineSteps);
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
