/**
 * What orders keeps for a while only: `Idempotency-Key`s (a key older than its retention is
 * forgotten: a repeat of it places a new order) and the timelines of orders ended longer ago than
 * theirs (the order stays; its timeline reads empty). docs/retention.md gives the figures.
 */
import { and, eq, exists, inArray, lt, notExists, sql } from "drizzle-orm";
import * as z from "zod";
import type { Database } from "../../shared/db/client.ts";
import { deleteInBatches } from "../../shared/db/batches.ts";
import { type PeriodicWork, purgeWork } from "../../shared/runtime/mod.ts";
import { failedCompensations, idempotencyKeys, orders, timeline } from "./db/schema.ts";
import { nextStatus, orderStatuses } from "./domain.ts";

const day = 24 * 60 * 60 * 1000;
const ms = (fallback: number) =>
  z.coerce.number().int("must be a whole number of ms").positive("must be positive")
    .default(fallback);

/** The orders service's retention variables, with their defaults. */
export const ordersRetentionVariables = {
  /** How long an `Idempotency-Key` is honoured, in ms (7 days). */
  IDEMPOTENCY_KEY_RETENTION_MS: ms(7 * day),
  /** How long the timeline of an ended order is kept after it ended, in ms (90 days). */
  TIMELINE_RETENTION_MS: ms(90 * day),
};

/** The settings `ordersPurges` reads: the variables above and the kit's purge cadence. */
export interface OrdersRetention {
  IDEMPOTENCY_KEY_RETENTION_MS: number;
  TIMELINE_RETENTION_MS: number;
  RETENTION_PURGE_EVERY_MS: number;
  RETENTION_PURGE_BATCH: number;
}

/** Statuses no event changes any more: an order in one has ended. */
const ended = orderStatuses.filter((status) => nextStatus(status, { to: "confirmed" }) === null);

/** Deletes keys created before `before`, oldest first, `batchSize` a statement: how many went. */
export function purgeIdempotencyKeys(
  db: Database,
  { before, batchSize }: { before: Date; batchSize: number },
): Promise<number> {
  return deleteInBatches(db, idempotencyKeys, {
    where: lt(idempotencyKeys.createdAt, before),
    oldestFirst: idempotencyKeys.createdAt,
    batchSize,
  });
}

/**
 * Deletes the timeline steps of orders that ended (confirmed, cancelled) before `before` and have
 * no failed compensation waiting (an operator still needs their story), oldest first, `batchSize`
 * a statement; answers how many steps. A step recorded after its order ended (a late
 * compensation) goes once it is older than `before` itself.
 */
export function purgeTimelines(
  db: Database,
  { before, batchSize }: { before: Date; batchSize: number },
): Promise<number> {
  const endedLongAgo = db.select({ one: sql`1` }).from(orders).where(and(
    eq(orders.id, timeline.orderId),
    inArray(orders.status, ended),
    lt(orders.updatedAt, before),
  ));
  const waiting = db.select({ one: sql`1` }).from(failedCompensations)
    .where(eq(failedCompensations.orderId, timeline.orderId));
  return deleteInBatches(db, timeline, {
    where: and(lt(timeline.at, before), exists(endedLongAgo), notExists(waiting)),
    oldestFirst: timeline.at,
    batchSize,
  });
}

/** The orders service's purges, as periodic work of its definition. */
export function ordersPurges(db: Database, settings: OrdersRetention): PeriodicWork[] {
  const every = { everyMs: settings.RETENTION_PURGE_EVERY_MS };
  const batchSize = settings.RETENTION_PURGE_BATCH;
  return [
    purgeWork(
      "orders",
      "idempotency_keys",
      { ...every, retentionMs: settings.IDEMPOTENCY_KEY_RETENTION_MS },
      (before) => purgeIdempotencyKeys(db, { before, batchSize }),
    ),
    purgeWork(
      "orders",
      "timeline",
      { ...every, retentionMs: settings.TIMELINE_RETENTION_MS },
      (before) => purgeTimelines(db, { before, batchSize }),
    ),
  ];
}
