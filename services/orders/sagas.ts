/**
 * The operator's view of the order saga (shared/contracts/saga_operations.ts), read from the
 * orders tables alone: the pending orders are the sagas in flight, their timeline's last step
 * says where each is, and `failed_compensations` holds the sagas in `compensation_failed`.
 * Read-only. No index of its own: the deadline sweep's partial index (orders_pending_by_deadline)
 * holds only the pending orders, which every deadline keeps few, so a page scans them alone and
 * sorts them by age (0.5 ms for 200 in flight among 200,000 orders on Postgres).
 */
import { and, asc, count, countDistinct, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Database } from "../../shared/db/client.ts";
import { pageAsked, type PageKey, pageOf } from "../../shared/contracts/mod.ts";
import type {
  FailedSaga,
  SagaInFlight,
  SagaOperationsEndpoints,
} from "../../shared/contracts/saga_operations.ts";
import { exactTime } from "../../shared/db/paging.ts";
import type { EndpointHandlers } from "../../shared/runtime/mod.ts";
import { orderSaga } from "../../shared/contracts/order_saga.ts";
import type { SagaReaction } from "../../shared/contracts/saga.ts";
import { failedCompensations, orders, timeline } from "./db/schema.ts";

/**
 * What a saga waits for after each event, by the declared flow: what the steps and compensations
 * that react to it may state (a compensation's failure is not awaited), and after a failure, the
 * failed compensation's own event (an operator retries it). Observers move nothing: left out.
 */
const awaitedAfterEvent = (() => {
  const awaited = new Map<string, string[]>();
  const add = (after: string, events: readonly { type: string }[]) => {
    const known = awaited.get(after) ?? [];
    for (const { type } of events) if (!known.includes(type)) known.push(type);
    awaited.set(after, known);
  };
  const compensations = Object.values(orderSaga.compensations);
  for (const reaction of [...Object.values<SagaReaction>(orderSaga.steps), ...compensations]) {
    for (const event of reaction.on) add(event.type, reaction.states);
  }
  for (const compensation of compensations) add(compensation.fails.type, compensation.states);
  return awaited;
})();

/** The event types a saga waits for after its last step `type` (none known: an empty list). */
export function awaitedAfter(type: string | null): string[] {
  return type === null ? [] : [...awaitedAfterEvent.get(type) ?? []];
}

/** The rows strictly after `key` in (time asc, id asc): oldest first, one index range. */
function newerThan(time: SQL | AnyPgColumn, id: SQL | AnyPgColumn, key: PageKey | undefined) {
  return key ? sql`(${time}, ${id}) > (${key.at}::timestamptz, ${key.id}::uuid)` : undefined;
}

const pending = eq(orders.status, "pending");
/** Placed at least `seconds` ago, by the database's clock (the sweep's too). */
const olderThanSeconds = (seconds: number) =>
  sql`${orders.createdAt} <= now() - make_interval(secs => ${seconds})`;

/** What a page of sagas in flight is asked with (the contract's request, defaults applied). */
export interface SagasQuery {
  stuckAfterSeconds: number;
  stuckOnly: boolean;
  limit: number;
  after?: PageKey;
}

/**
 * One page of the sagas in flight, oldest first (created_at asc, id asc), so the stuck ones
 * lead; `next` names the page after it. `counts` covers every saga, not only the page's.
 */
export async function sagasInFlight(db: Database, query: SagasQuery) {
  const stuckAt = olderThanSeconds(query.stuckAfterSeconds);
  const rows = await db.select({
    orderId: orders.id,
    userId: orders.userId,
    startedAt: exactTime(orders.createdAt),
    deadlineAt: exactTime(orders.deadlineAt),
    ageSeconds: sql<number>`floor(extract(epoch from now() - ${orders.createdAt}))::int`,
    stuck: sql<boolean>`${stuckAt}`,
    overdue: sql<boolean>`${orders.deadlineAt} <= now()`,
  }).from(orders)
    .where(and(
      pending,
      query.stuckOnly ? stuckAt : undefined,
      newerThan(
        orders.createdAt,
        orders.id,
        query.after,
      ),
    ))
    .orderBy(asc(orders.createdAt), asc(orders.id)).limit(query.limit + 1);
  const page = pageOf(rows, query.limit, (row) => ({ at: row.startedAt, id: row.orderId }));
  const ids = page.items.map((row) => row.orderId);
  const [steps, failed, counts] = await Promise.all([
    lastSteps(db, ids),
    ids.length === 0 ? [] : db.selectDistinct({ orderId: failedCompensations.orderId })
      .from(failedCompensations).where(inArray(failedCompensations.orderId, ids)),
    sagaCounts(db, query.stuckAfterSeconds),
  ]);
  const failedIds = new Set(failed.map((row) => row.orderId));
  const items: SagaInFlight[] = page.items.map((row) => {
    const lastStep = steps.get(row.orderId) ?? null;
    return {
      ...row,
      ageSeconds: Math.max(0, Number(row.ageSeconds)),
      lastStep,
      waitsFor: awaitedAfter(lastStep?.type ?? null),
      compensationFailed: failedIds.has(row.orderId),
    };
  });
  return { stuckAfterSeconds: query.stuckAfterSeconds, counts, items, next: page.next };
}

/** The last step each order's timeline recorded (by its sequence), by order id. */
async function lastSteps(db: Database, ids: string[]) {
  if (ids.length === 0) return new Map<string, { type: string; at: string }>();
  const rows = await db.selectDistinctOn([timeline.orderId], {
    orderId: timeline.orderId,
    type: timeline.type,
    at: exactTime(timeline.at),
  }).from(timeline).where(inArray(timeline.orderId, ids))
    .orderBy(timeline.orderId, desc(timeline.seq));
  return new Map(rows.map((row) => [row.orderId, { type: row.type, at: row.at }]));
}

/** How many sagas are in flight, how many of them are stuck, how many failed a compensation. */
async function sagaCounts(db: Database, stuckAfterSeconds: number) {
  const [[inFlight], [failed]] = await Promise.all([
    db.select({
      inFlight: count(),
      stuck: sql<number>`count(*) filter (where ${olderThanSeconds(stuckAfterSeconds)})`,
    }).from(orders).where(pending),
    db.select({ orders: countDistinct(failedCompensations.orderId) }).from(failedCompensations),
  ]);
  return {
    inFlight: Number(inFlight.inFlight),
    stuck: Number(inFlight.stuck),
    compensationFailed: Number(failed.orders),
  };
}

/**
 * One page of the sagas in `compensation_failed`, the longest failed first (the time of each
 * order's first failure, then its id), or only `orderId`'s; each with its order's status and
 * every compensation of it that failed.
 */
export async function failedSagas(
  db: Database,
  query: { orderId?: string; limit: number; after?: PageKey },
): Promise<{ items: FailedSaga[]; next?: string }> {
  const since = sql`min(${failedCompensations.failedAt})`;
  const groups = await db.select({
    orderId: failedCompensations.orderId,
    since: sql<string>`to_char(${since} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  }).from(failedCompensations)
    .where(query.orderId ? eq(failedCompensations.orderId, query.orderId) : undefined)
    .groupBy(failedCompensations.orderId)
    .having(newerThan(since, failedCompensations.orderId, query.after))
    .orderBy(asc(since), asc(failedCompensations.orderId)).limit(query.limit + 1);
  const page = pageOf(groups, query.limit, (group) => ({ at: group.since, id: group.orderId }));
  const ids = page.items.map((group) => group.orderId);
  if (ids.length === 0) return { items: [] };
  const rows = await db.select({
    orderId: failedCompensations.orderId,
    compensation: failedCompensations.compensation,
    service: failedCompensations.service,
    // The contract's bound: a longer error is cut, not refused.
    error: sql<string>`left(${failedCompensations.error}, 1000)`,
    failedAt: exactTime(failedCompensations.failedAt),
    userId: orders.userId,
    status: orders.status,
    reason: orders.reason,
  }).from(failedCompensations).innerJoin(orders, eq(orders.id, failedCompensations.orderId))
    .where(inArray(failedCompensations.orderId, ids))
    .orderBy(asc(failedCompensations.failedAt), asc(failedCompensations.compensation));
  const items = page.items.flatMap((group): FailedSaga[] => {
    const own = rows.filter((row) => row.orderId === group.orderId);
    if (own.length === 0) return []; // its order is gone: nothing to show it by
    const { userId, status, reason } = own[0];
    return [{
      orderId: group.orderId,
      userId,
      status: status as FailedSaga["status"],
      ...(reason ? { reason } : {}),
      since: group.since,
      compensations: own.map((row) => ({
        compensation: row.compensation as FailedSaga["compensations"][number]["compensation"],
        service: row.service,
        error: row.error,
        failedAt: row.failedAt,
      })),
    }];
  });
  return { items, ...(page.next ? { next: page.next } : {}) };
}

/** The handlers of `sagaOperationsApi` (`ops.orders.sagas.*`), over the orders database. */
export function sagaOperations(
  { db }: { db: Database },
): EndpointHandlers<SagaOperationsEndpoints> {
  return {
    listSagas: ({ stuckAfterSeconds, stuckOnly, ...page }) =>
      sagasInFlight(db, { stuckAfterSeconds, stuckOnly, ...pageAsked(page) }),
    listFailedSagas: ({ orderId, ...page }) => failedSagas(db, { orderId, ...pageAsked(page) }),
  };
}
