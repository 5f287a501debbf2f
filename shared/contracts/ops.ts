/**
 * What every service answers to its operator, beside its own API: replay a range of a stream
 * to its handlers, rebuild its read model, re-drive its dead letters. Served on
 * `ops.<service>.*`, outside every stream's subjects, in the service's queue group, so one
 * instance takes each request.
 */
import { z } from "zod";
import { defineEvent, type StreamDefinition } from "./envelope.ts";
import type { RpcEndpoint, RpcService } from "./rpc.ts";

const sequence = z.number().int().positive();

export const replayRange = z.object({
  stream: z.string().regex(/^[A-Z0-9_-]+$/, "a stream's name, such as ORDERS"),
  /** One subject or wildcard inside the stream, e.g. `orders.order.placed`. */
  subject: z.string().min(1).optional(),
  fromSeq: sequence.optional(),
  fromTime: z.iso.datetime({ offset: true }).optional(),
  /** Up to and with this sequence; without it, the stream's end when the replay starts. */
  toSeq: sequence.optional(),
}).refine((r) => r.fromSeq === undefined || r.fromTime === undefined, {
  message: "give fromSeq or fromTime, not both",
}).refine((r) => r.fromSeq === undefined || r.toSeq === undefined || r.fromSeq <= r.toSeq, {
  message: "fromSeq is after toSeq",
});
export type ReplayRange = z.infer<typeof replayRange>;

export const deliveryPlan = z.enum(["apply", "skip", "ignore", "invalid"]);

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
export type ReplayReport = z.infer<typeof replayReport>;

export const redriveResult = z.object({
  seq: z.number(),
  outcome: z.enum(["applied", "duplicate", "ignored", "invalid", "failed", "not_found"]),
  error: z.string().optional(),
});
export type RedriveResult = z.infer<typeof redriveResult>;

function opsEndpoints(service: string) {
  const subject = (action: string) => `ops.${service}.${action}`;
  return {
    replayEvents: {
      subject: subject("replay"),
      request: z.object({
        range: replayRange,
        dryRun: z.boolean().default(false),
        /** Core NATS subject the service publishes progress to while it works. */
        progressSubject: z.string().min(1).optional(),
      }),
      reply: replayReport,
      // Through the inbox a replay changes only what was never applied: safe to repeat.
      idempotent: true,
    },
    rebuildReadModel: {
      subject: subject("rebuild"),
      request: z.object({ progressSubject: z.string().min(1).optional() }),
      reply: z.object({ tables: z.array(z.string()), streams: z.array(replayReport) }),
      idempotent: true,
    },
    redriveDeadLetters: {
      subject: subject("redrive"),
      request: z.object({ sequences: z.array(sequence).min(1).max(1000) }),
      reply: z.object({ results: z.array(redriveResult) }),
      idempotent: true,
    },
  } satisfies Record<string, RpcEndpoint>;
}

export type OpsEndpoints = ReturnType<typeof opsEndpoints>;

/** The operator's endpoints of `service`. */
export function opsApi(service: string): RpcService<OpsEndpoints> {
  return { name: service, endpoints: opsEndpoints(service) };
}

/** Progress a service publishes while it replays. */
export const replayProgress = z.object({
  stream: z.string(),
  read: z.number(),
  total: z.number(),
  applied: z.number(),
  skipped: z.number(),
});
export type ReplayProgress = z.infer<typeof replayProgress>;

/** Every operator action, kept as a fact: who did what to which, and why. */
export const operatorActed = defineEvent(
  "audit.operator.acted",
  1,
  z.object({
    /** Who: the admin's email or user id, or the CLI's user. */
    actor: z.string(),
    action: z.enum(["replay", "rebuild", "deadletter.redrive", "deadletter.discard"]),
    /** What it touched: a service, a stream range, a dead letter's sequence. */
    target: z.string(),
    reason: z.string().optional(),
    outcome: z.string(),
  }),
);

export const auditStream: StreamDefinition = { name: "AUDIT", subjects: ["audit.>"] };
