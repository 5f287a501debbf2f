/**
 * What the admin routes take: their queries and bodies (zod), the request half of each
 * declaration in admin.ts.
 */
import { z } from "@hono/zod-openapi";
import {
  defaultPageSize,
  instant,
  maxPageSize,
  operatorReason,
  subjectFilter,
} from "../../../shared/contracts/mod.ts";

/** A stream or dead-letter sequence: a positive integer, from a string or a number. */
export const sequence = z.coerce.number().int().positive();
export const serviceName = z.string().max(64).regex(
  /^[a-z][a-z0-9-]*$/,
  "a service's name, such as orders",
);

export const eventsQuery = z.object({
  /** A stream's name (ORDERS) or a subject inside one (orders.order.placed). */
  from: subjectFilter,
  fromSeq: sequence.optional(),
  since: instant.optional(),
  toSeq: sequence.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
}).refine((q) => q.fromSeq === undefined || q.since === undefined, {
  message: "give fromSeq or since, not both",
  path: ["since"],
}).refine((q) => q.fromSeq === undefined || q.toSeq === undefined || q.fromSeq <= q.toSeq, {
  message: "fromSeq is after toSeq",
  path: ["toSeq"],
});

/** GET /admin/deadletters: a page of letters (`next` is the `fromSeq` of the page after). */
export const deadLettersQuery = z.object({
  service: serviceName.optional(),
  fromSeq: sequence.optional(),
  limit: z.coerce.number().int().min(1).max(maxPageSize).default(defaultPageSize),
});

export const replayBody = z.object({
  service: serviceName,
  /** A stream's name or a subject inside one. */
  from: subjectFilter,
  fromSeq: sequence.optional(),
  fromTime: instant.optional(),
  toSeq: sequence.optional(),
  dryRun: z.boolean().default(false),
}).refine((b) => b.fromSeq === undefined || b.fromTime === undefined, {
  message: "give fromSeq or fromTime, not both",
  path: ["fromTime"],
}).refine((b) => b.fromSeq === undefined || b.toSeq === undefined || b.fromSeq <= b.toSeq, {
  message: "fromSeq is after toSeq",
  path: ["toSeq"],
});

/**
 * POST /admin/rebuild: `acceptMissing: true` rebuilds even when a stream no longer holds its
 * oldest events (what they made is lost); without it such a rebuild is refused with 409.
 */
export const rebuildBody = z.object({
  service: serviceName,
  acceptMissing: z.boolean().optional(),
});

/**
 * The letters to re-drive by sequence, or `all: true` (of `service`, when given): "all" is never
 * what an empty or missing body means, so `{}` is a 400.
 */
export const redriveBody = z.object({
  sequences: z.array(sequence).min(1).max(1000).optional(),
  all: z.literal(true).optional(),
  service: serviceName.optional(),
}).refine((b) => (b.sequences !== undefined) !== (b.all === true), {
  message: "give sequences (the letters to re-drive) or all: true, not both",
  path: ["sequences"],
});

export const discardBody = z.object({ reason: operatorReason });
