/**
 * The operator's view of the order saga, which orders answers beside its other operator
 * endpoints (`ops.orders.sagas.*`, in its queue group): the sagas in flight, oldest first, with
 * the step each waits for and its deadline; and the sagas whose compensation failed for good
 * (`compensation_failed`). Read-only: the retry of a failed compensation re-drives the dead
 * letters that hold it, through the operator kit (shared/operator/sagas.ts).
 */
import * as z from "zod";
import { eventSource, eventType } from "./envelope.ts";
import { text, timestamp, uuid } from "./fields.ts";
import { maxErrorLength } from "./limits.ts";
import { maxPageSize, nextCursor, pageRequest } from "./paging.ts";
import { redriveResult } from "./operations.ts";
import type { RpcEndpoint, RpcService } from "./rpc.ts";

/** A saga in flight longer than this many seconds is stuck, unless the operator says otherwise. */
export const defaultStuckAfterSeconds = 60;
/** The longest stuck threshold an operator may give: 30 days, in seconds. */
export const maxStuckAfterSeconds = 30 * 86_400;
/** The most event types a saga may wait for at one step (the flow forks in two at most). */
export const maxAwaitedEvents = 8;

/** A stuck threshold in whole seconds, 1 to `maxStuckAfterSeconds`. */
export const stuckAfterSeconds = z.number().int().min(1).max(maxStuckAfterSeconds);

/** The compensations that can fail for good: payments' refund, catalog's release. */
export const compensation = z.enum(["refund", "release"]);
/** One of `compensation`'s values. */
export type Compensation = z.infer<typeof compensation>;

/**
 * An order's saga that has not ended (its order is pending): since when, the last step its
 * timeline recorded (null before any), the events it waits for next, its deadline, whether it
 * is stuck (older than the threshold asked with), past its deadline, or holds a failed
 * compensation.
 */
export const sagaInFlight = z.object({
  orderId: uuid,
  userId: uuid,
  /** When the order was placed. */
  startedAt: timestamp,
  /** Whole seconds since `startedAt`, by the database's clock. */
  ageSeconds: z.number().int().nonnegative(),
  /** When the deadline sweep cancels it (`timed_out`) if it has not ended by then. */
  deadlineAt: timestamp,
  lastStep: z.object({ type: eventType, at: timestamp }).nullable(),
  /** The event types that would move it on (any one of them), by the saga's declared flow. */
  waitsFor: z.array(eventType).max(maxAwaitedEvents),
  stuck: z.boolean(),
  /** Past its deadline: the next sweep cancels it. */
  overdue: z.boolean(),
  compensationFailed: z.boolean(),
});
/** A saga as `sagaInFlight` describes it. */
export type SagaInFlight = z.infer<typeof sagaInFlight>;

/** One compensation that failed for good: which, in which service, why, and since when. */
export const failedCompensation = z.object({
  compensation,
  /** The service that could not run it (payments refunds, catalog releases). */
  service: eventSource,
  error: text(maxErrorLength),
  failedAt: timestamp,
});
/** A failed compensation as `failedCompensation` describes it. */
export type FailedCompensation = z.infer<typeof failedCompensation>;

/**
 * A saga in `compensation_failed`: its order (status and reason as the API shows them) and its
 * failed compensations (one or two), since the first of them failed.
 */
export const failedSaga = z.object({
  orderId: uuid,
  userId: uuid,
  status: z.enum(["pending", "confirmed", "cancelled"]),
  reason: z.string().max(64).optional(),
  /** When its first compensation failed: the list's sort key. */
  since: timestamp,
  compensations: z.array(failedCompensation).min(1).max(compensation.options.length),
});
/** A saga as `failedSaga` describes it. */
export type FailedSaga = z.infer<typeof failedSaga>;

/** The counts over every saga, not only the page's: in flight, stuck among them, failed. */
export const sagaCounts = z.object({
  inFlight: z.number().int().nonnegative(),
  stuck: z.number().int().nonnegative(),
  compensationFailed: z.number().int().nonnegative(),
});

const sagaEndpoints = {
  /**
   * The sagas in flight, oldest first (the stuck ones lead), a page at a time; with `stuckOnly`,
   * only those older than `stuckAfterSeconds`.
   */
  listSagas: {
    subject: "ops.orders.sagas.list",
    request: z.object({
      stuckAfterSeconds: stuckAfterSeconds.default(defaultStuckAfterSeconds),
      stuckOnly: z.boolean().default(false),
      ...pageRequest,
    }),
    reply: z.object({
      stuckAfterSeconds,
      counts: sagaCounts,
      items: z.array(sagaInFlight).max(maxPageSize),
      next: nextCursor,
    }),
    idempotent: true,
  },
  /** The sagas whose compensation failed, longest failed first; or the one of `orderId`. */
  listFailedSagas: {
    subject: "ops.orders.sagas.failed",
    request: z.object({ orderId: uuid.optional(), ...pageRequest }),
    reply: z.object({ items: z.array(failedSaga).max(maxPageSize), next: nextCursor }),
    idempotent: true,
  },
} satisfies Record<string, RpcEndpoint>;

/** The endpoints of `sagaOperationsApi`, by method. */
export type SagaOperationsEndpoints = typeof sagaEndpoints;

/**
 * What orders answers its operator about sagas, on `ops.orders.sagas.*` (inside the operator's
 * subject space of orders: its identity serves it, the operator's may ask it).
 */
export const sagaOperationsApi: RpcService<SagaOperationsEndpoints> = {
  name: "orders",
  endpoints: sagaEndpoints,
};

/**
 * What the retry of a saga's failed compensations did (shared/operator/sagas.ts): the
 * compensations that had failed, and each dead letter re-driven with how it ended; or, when no
 * dead letter held them, why there was nothing to re-drive.
 */
export const sagaRetryReport = z.object({
  orderId: uuid,
  compensations: z.array(failedCompensation).max(compensation.options.length),
  redriven: z.array(z.object({
    /** The letter's sequence in DEADLETTERS. */
    seq: z.number().int().positive(),
    service: eventSource,
    /** The original event's subject, such as catalog.stock.rejected. */
    subject: z.string().max(256),
    outcome: redriveResult.shape.outcome,
    error: z.string().optional(),
  })).max(1000),
  nothingToRetry: z.string().optional(),
});
/** A report as `sagaRetryReport` describes it. */
export type SagaRetryReport = z.infer<typeof sagaRetryReport>;
