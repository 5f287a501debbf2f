/**
 * What a replay and a rebuild report: counts by outcome, a dry run's plan, the progress published
 * while they run, and what a stream no longer holds (which a rebuild cannot make again).
 */
import * as z from "zod";

/**
 * What a delivery would do in a dry run: apply it, skip it (applied before), ignore it (no
 * handler), or find it invalid.
 */
export const deliveryPlan = z.enum(["apply", "skip", "ignore", "invalid"]);

/**
 * What a replay did, or in a dry run would do: counts by outcome, the first failures, the planned
 * deliveries and how long it took in ms.
 */
export const replayReport = z.object({
  stream: z.string(),
  dryRun: z.boolean(),
  firstSeq: z.number().nullable(),
  lastSeq: z.number().nullable(),
  /** Messages read from the stream in the range. */
  read: z.number(),
  /** Handled now for the first time. */
  applied: z.number(),
  /** Already applied before: the inbox had them, nothing changed. */
  skipped: z.number(),
  /** Events this service has no handler for. */
  notHandled: z.number(),
  invalid: z.number(),
  failed: z.number(),
  failures: z.array(z.object({ seq: z.number(), subject: z.string(), error: z.string() })),
  /** A dry run's first deliveries, each with what would happen. */
  planned: z.array(z.object({
    seq: z.number(),
    type: z.string(),
    id: z.string().optional(),
    plan: deliveryPlan,
    reason: z.string().optional(),
  })),
  ms: z.number(),
});
/** A report as `replayReport` describes it. */
export type ReplayReport = z.infer<typeof replayReport>;

/**
 * The events a stream no longer holds: every sequence from 1 to `lastSeq` was stored once, it holds
 * `held` of them from `firstSeq` on; the `missing` others aged out (its max age, `maxAgeMs`, 0 for
 * ever) or were deleted. A rebuild from such a stream cannot make what they made.
 */
export const missingEvents = z.object({
  stream: z.string(),
  /** The first sequence the stream still holds (`lastSeq + 1` when it holds none). */
  firstSeq: z.number(),
  lastSeq: z.number(),
  held: z.number(),
  missing: z.number(),
  maxAgeMs: z.number(),
});
/** What `missingEvents` describes. */
export type MissingEvents = z.infer<typeof missingEvents>;

/** Progress a service publishes while it replays. */
export const replayProgress = z.object({
  stream: z.string(),
  read: z.number(),
  total: z.number(),
  applied: z.number(),
  skipped: z.number(),
});
/** Progress as `replayProgress` describes it. */
export type ReplayProgress = z.infer<typeof replayProgress>;
