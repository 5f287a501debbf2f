/**
 * What every service answers to its operator, beside its own API: replay a range of a stream
 * to its handlers, rebuild its read model, re-drive its dead letters. Served on
 * `ops.<service>.*`, outside every stream's subjects, in the service's queue group, so one
 * instance takes each request.
 */
import * as z from "zod";
import { text, uuid } from "./fields.ts";
import {
  maxAuditActorLength,
  maxAuditOutcomeLength,
  maxAuditTargetLength,
  maxOperatorReasonLength,
  minOperatorReasonLength,
} from "./limits.ts";
import { defineEvent, type StreamDefinition } from "./envelope.ts";
import { missingEvents, replayReport } from "./replay_report.ts";
import type { RpcEndpoint, RpcService } from "./rpc.ts";

const sequence = z.number().int().positive();

/**
 * An instant, ISO 8601 with an offset, such as `2026-11-30T04:25:28Z`; at most 64 characters
 * (zod's format takes any number of fractional digits).
 */
export const instant = z.iso.datetime({ offset: true }).max(64);

/**
 * A stream's name as this platform makes them: capitals, digits, `_` and `-`, at most 32
 * characters (nats-server allows more; ours are one word, such as ORDERS).
 */
export const streamName = z.string().max(32).regex(
  /^[A-Z0-9_-]+$/,
  "a stream's name, such as ORDERS",
);

/** The longest subject (or filter) an operator may give: ours are under 64 characters. */
export const maxSubjectLength = 256;

// A token: printable, no white space, no dot; or a whole-token wildcard `*`, or `>` at the end.
const subjectToken = /^[^\s.*>\p{Cc}]+$/u;

/**
 * Whether `value` is a NATS subject or subject filter, by the rules of the NATS docs
 * ("Subject-Based Messaging"): tokens separated by `.`, none empty, no white space; `*` and `>`
 * only as whole tokens, `>` only as the last. nats-server answers worse than a refusal to one
 * that breaks them: a filter with an empty token times out ("no responders"), one with a space
 * is thrown by the client, one with `>` inside is a JetStream API error.
 */
export function isSubject(value: string): boolean {
  if (value.length === 0 || value.length > maxSubjectLength) return false;
  const tokens = value.split(".");
  return tokens.every((token, i) =>
    token === "*" || (token === ">" && i === tokens.length - 1) || subjectToken.test(token)
  );
}

/** A NATS subject or subject filter (see `isSubject`), such as `orders.order.placed` or `orders.>`. */
export const subjectFilter = z.string().max(maxSubjectLength).refine(
  isSubject,
  `a NATS subject of at most ${maxSubjectLength} characters: dot-separated tokens, none empty, ` +
    "no spaces; * and > only as whole tokens, > last",
).describe(
  "a NATS subject or filter: dot-separated tokens, none empty, no spaces; * and > only as " +
    "whole tokens, > last (orders.order.placed, orders.>), or a stream's name (ORDERS)",
);

/**
 * The range a replay request names: the stream, optionally one subject in it, a start (a sequence
 * or a time, not both) and an end sequence. `replayRange` (shared/events/replay.ts) replays one.
 */
export const replayRangeRequest = z.object({
  stream: streamName,
  /** One subject or wildcard inside the stream, e.g. `orders.order.placed`. */
  subject: subjectFilter.optional(),
  fromSeq: sequence.optional(),
  fromTime: instant.optional(),
  /** Up to and with this sequence; without it, the stream's end when the replay starts. */
  toSeq: sequence.optional(),
}).refine((r) => r.fromSeq === undefined || r.fromTime === undefined, {
  message: "give fromSeq or fromTime, not both",
}).refine((r) => r.fromSeq === undefined || r.toSeq === undefined || r.fromSeq <= r.toSeq, {
  message: "fromSeq is after toSeq",
});
/** A range as `replayRangeRequest` describes it. */
export type ReplayRange = z.infer<typeof replayRangeRequest>;

/**
 * How the redrive of one dead letter (by its sequence in `DEADLETTERS`) ended, with the error when
 * it did not apply.
 */
export const redriveResult = z.object({
  seq: z.number(),
  outcome: z.enum(["applied", "duplicate", "ignored", "invalid", "failed", "not_found"]),
  error: z.string().optional(),
});
/** A result as `redriveResult` describes it. */
export type RedriveResult = z.infer<typeof redriveResult>;

/** An outbox row the relay parked: it could not be published as it is (shared/outbox/parked.ts). */
export const parkedOutboxRow = z.object({
  id: z.string(),
  subject: z.string(),
  /** The payload's length in characters. */
  bytes: z.number(),
  attempts: z.number(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  /** Null once re-queued. */
  parkedAt: z.string().nullable(),
});
/** A row as `parkedOutboxRow` describes it. */
export type ParkedOutboxRow = z.infer<typeof parkedOutboxRow>;

/** An event an operator's decision marks as handled (its dead letter was discarded). */
export const handledEvent = z.object({
  id: uuid,
  type: z.string().min(1).max(256),
  stream: streamName.optional(),
  streamSeq: sequence.optional(),
});

/** A service's readiness, as its `/ready` says it (shared/health). */
export const readinessReport = z.object({
  ready: z.boolean(),
  checks: z.record(z.string(), z.string()),
});

function operationsEndpoints(service: string) {
  const subject = (action: string) => `ops.${service}.${action}`;
  return {
    replayEvents: {
      subject: subject("replay"),
      request: z.object({
        range: replayRangeRequest,
        dryRun: z.boolean().default(false),
        /** Core NATS subject the service publishes progress to while it works. */
        progressSubject: subjectFilter.optional(),
      }),
      reply: replayReport,
      // Through the inbox a replay changes only what was never applied: safe to repeat.
      idempotent: true,
    },
    rebuildReadModel: {
      subject: subject("rebuild"),
      request: z.object({
        progressSubject: subjectFilter.optional(),
        /**
         * Rebuild even when a stream no longer holds its oldest events (aged out or deleted):
         * whatever they made is then lost. Without it such a rebuild is refused (`conflict`)
         * before anything is emptied.
         */
        acceptMissing: z.boolean().optional(),
      }),
      reply: z.object({
        tables: z.array(z.string()),
        streams: z.array(replayReport),
        /** The streams that missed events, when `acceptMissing` let the rebuild run anyway. */
        missing: z.array(missingEvents).default([]),
      }),
      idempotent: true,
    },
    redriveDeadLetters: {
      subject: subject("redrive"),
      request: z.object({ sequences: z.array(sequence).min(1).max(1000) }),
      reply: z.object({ results: z.array(redriveResult) }),
      idempotent: true,
    },
    /** The events of discarded dead letters, written into the inbox: no replay applies them. */
    markHandled: {
      subject: subject("inbox.mark"),
      request: z.object({ events: z.array(handledEvent).min(1).max(1000) }),
      reply: z.object({ recorded: z.number() }),
      idempotent: true,
    },
    parkedOutbox: {
      subject: subject("outbox.list"),
      request: z.object({ limit: z.number().int().min(1).max(1000).default(100) }),
      reply: z.object({ items: z.array(parkedOutboxRow) }),
      idempotent: true,
    },
    /** Un-parks a row: the relay publishes it again, from zero attempts. */
    requeueOutbox: {
      subject: subject("outbox.requeue"),
      request: z.object({ id: uuid }),
      reply: parkedOutboxRow,
      idempotent: false,
    },
    /** Deletes a parked row; the caller records what it was (the audit). */
    discardOutbox: {
      subject: subject("outbox.discard"),
      request: z.object({ id: uuid }),
      reply: parkedOutboxRow,
      idempotent: false,
    },
    /** The instance's readiness, for the gateway's /ready: its database, its consumers. */
    ready: {
      subject: subject("ready"),
      request: z.object({}),
      reply: readinessReport,
      idempotent: true,
    },
  } satisfies Record<string, RpcEndpoint>;
}

/** The operator's endpoints every service answers, as `operationsEndpoints` makes them. */
export type OperationsEndpoints = ReturnType<typeof operationsEndpoints>;

/** The operator's endpoints of `service`. */
export function operationsApi(service: string): RpcService<OperationsEndpoints> {
  return { name: service, endpoints: operationsEndpoints(service) };
}

/**
 * Why an operator discards something: one line of 3 to 500 characters (`maxOperatorReasonLength`),
 * trimmed, no control characters, since `deno task ops events tail AUDIT` prints it to a terminal.
 */
export const operatorReason = text(maxOperatorReasonLength, {
  min: minOperatorReasonLength,
  trim: true,
  line: true,
});

/**
 * Every operator action, kept as a fact: who did what to which, and why. Each text is one
 * bounded line (limits.ts); `recordAction` (shared/operator/audit.ts) fits what it writes to these.
 */
export const operatorActed = defineEvent(
  "audit.operator.acted",
  1,
  z.object({
    /** Who: the admin's email or user id, or the CLI's user. */
    actor: text(maxAuditActorLength, { min: 1, line: true }),
    action: z.enum([
      "replay",
      "rebuild",
      "deadletter.redrive",
      "deadletter.discard",
      "outbox.requeue",
      "outbox.discard",
      "fault.set",
      "fault.clear",
      "stream.retention",
    ]),
    /** What it touched: a service, a stream range, a dead letter's sequence. */
    target: text(maxAuditTargetLength, { line: true }),
    // Not `operatorReason`: its minimum is a rule for what an operator types, not for a fact.
    reason: text(maxOperatorReasonLength, { line: true }).optional(),
    outcome: text(maxAuditOutcomeLength, { line: true }),
  }),
  // No order: operators' actions are independent facts, each applied on its own.
  { orderingKey: () => null },
);

/** The stream of operator actions, `AUDIT`, on `audit.>`. */
export const auditStream: StreamDefinition = {
  name: "AUDIT",
  subjects: ["audit.>"],
  // The operators' trail is kept for ever, as before the event streams had a max age.
  maxAgeMs: 0,
};
