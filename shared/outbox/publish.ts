/**
 * Each outbox row's publish and its outcome: sent with `Nats-Msg-Id` = event id, or its failure
 * counted against the row (`attempts`, `last_error`) and the row parked past `maxAttempts`, or at
 * once when the server can never take it; an outage counts against no row.
 */
import { jetstream } from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/nats-core";
import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import {
  ensureStream,
  isJetStreamApiError,
  isNoResponders,
  isStreamNotFound,
  jetStreamApiCodes,
} from "../bus/mod.ts";
import type { StreamDefinition } from "../contracts/mod.ts";
import { subjectWithin } from "../bus/subject_subset.ts";
import { errorText } from "../errors/mod.ts";
import { faultsArmed, injectFault, relayFaultPoint } from "../faults/mod.ts";
import type { Logger } from "../log/mod.ts";
import { outboxPublishFailures } from "../telemetry/mod.ts";
import type { OutboxRow } from "./enqueue.ts";
import type { InFlight } from "./selection.ts";
import type { OutboxTable } from "./table.ts";

/** Where the rows go, and where their failures are recorded. */
export interface PublisherOptions {
  /** The publishing service, for its metrics. */
  service: string;
  db: Database;
  table: OutboxTable;
  nc: NatsConnection;
  log: Logger;
  /** The stream the rows go to: made again when the server lost it. */
  stream?: StreamDefinition;
  /** Failed publishes of one row before it is parked. */
  maxAttempts: number;
  /** Row ids in flight: a publish skips and adds to `sending`, adds what went out to `unmarked`. */
  inFlight: InFlight;
}

/**
 * Publishes rows back to back on one connection, so the stream stores them in this order, and
 * skips those sent or being sent. Answers whether every row went out; what failed is recorded
 * against its row (see `failureKind`). Rejects only when a failure could not be recorded, or
 * at an injected fault (`<service>.relay.before_publish`), before any row is sent.
 */
export function rowPublisher(options: PublisherOptions): (rows: OutboxRow[]) => Promise<boolean> {
  const js = jetstream(options.nc);
  const { sending, unmarked } = options.inFlight;
  const recordFailures = failureRecorder(options);
  const faultPoint = relayFaultPoint(options.service);

  return async function publish(rows: OutboxRow[]): Promise<boolean> {
    // A query may have read a row the moment it committed: what is sent or sending is not resent.
    const fresh = rows.filter((row) => !sending.has(row.id) && !unmarked.has(row.id));
    // An injected failure here is an outage: it rejects, counted against no row.
    if (faultsArmed() && fresh.length > 0) await injectFault(faultPoint);
    for (const row of fresh) sending.add(row.id);
    try {
      const outcomes = await Promise.allSettled(
        fresh.map((row) =>
          js.publish(row.subject, row.payload, { msgID: row.id, headers: natsHeaders(row.headers) })
        ),
      );
      const failures: { row: OutboxRow; error: unknown }[] = [];
      outcomes.forEach((outcome, i) => {
        if (outcome.status === "fulfilled") unmarked.add(fresh[i].id);
        else failures.push({ row: fresh[i], error: outcome.reason });
      });
      if (failures.length > 0) await recordFailures(failures);
      return failures.length === 0;
    } finally {
      for (const row of fresh) sending.delete(row.id);
    }
  };
}

function natsHeaders(stored: string | null) {
  if (!stored) return undefined;
  const h = headers();
  for (const [name, value] of Object.entries(JSON.parse(stored) as Record<string, string>)) {
    h.set(name, value);
  }
  return h;
}

/** Counts each failure against its row, or parks the row; an outage counts against none. */
function failureRecorder(options: PublisherOptions) {
  const { db, table, log, service } = options;
  const healStream = streamHealer(options);
  return async (failures: { row: OutboxRow; error: unknown }[]) => {
    let outage: unknown = null;
    for (const { row, error } of failures) {
      const kind = failureKind(error, row.subject, options.stream);
      if (kind === "outage") {
        outage = error;
        continue;
      }
      const lastError = errorText(error).slice(0, 1000);
      const [after] = await db.update(table).set({
        attempts: sql`${table.attempts} + 1`,
        lastError,
        parkedAt: kind === "permanent"
          ? sql`now()`
          : sql`case when ${table.attempts} + 1 >= ${options.maxAttempts} then now() end`,
      }).where(eq(table.id, row.id)).returning({
        attempts: table.attempts,
        parked: table.parkedAt,
      });
      const about = {
        id: row.id,
        subject: row.subject,
        bytes: row.payload.length,
        attempts: after?.attempts,
        error: lastError,
      };
      if (after?.parked) {
        outboxPublishFailures.inc({ service, outcome: "parked" });
        log.error("outbox row parked: it cannot be published as it is", about);
      } else {
        outboxPublishFailures.inc({ service, outcome: "retry" });
        log.warn("outbox publish failed; will retry", about);
      }
    }
    if (outage !== null) {
      outboxPublishFailures.inc({ service, outcome: "retry" });
      log.warn("outbox publish failed; will retry", { error: outage });
      if (isStreamMissing(outage)) await healStream();
    }
  };
}

/** The stream is gone (a server that lost its store): make it again, once at a time. */
function streamHealer(options: PublisherOptions): () => Promise<void> {
  let healing: Promise<void> | null = null;
  return () => {
    if (!options.stream) return Promise.resolve();
    const stream = options.stream;
    healing ??= ensureStream(options.nc, stream)
      .then(() => options.log.warn("stream was missing; made again", { stream: stream.name }))
      // Often not gone: a cluster electing its leader answers no one too, and times out here.
      .catch((error) =>
        options.log.warn("no stream answered, and checking it failed; will retry", {
          stream: stream.name,
          error,
        })
      )
      .finally(() => healing = null);
    return healing;
  };
}

/**
 * What a failed publish says about its row: `permanent` when the server can never take it as
 * it is (over max_payload or the stream's message size, a subject no stream holds), `outage`
 * when it says nothing about the row (no connection, no answer in time, our stream lost),
 * else `transient` (the stream refused it for now, e.g. a limit reached).
 */
export function failureKind(
  error: unknown,
  subject: string,
  stream?: StreamDefinition,
): "permanent" | "outage" | "transient" {
  const text = String(error instanceof Error ? `${error.name}: ${error.message}` : error);
  // The client refuses over max_payload before sending (an InvalidArgumentError, no code).
  if (/max_payload|maximum payload/i.test(text)) return "permanent";
  if (isJetStreamApiError(error, jetStreamApiCodes.MessageSizeExceedsMaximum)) return "permanent";
  if (isStreamMissing(error)) {
    // No stream listens: ours was lost (an outage), or the subject is outside every stream.
    return !stream || stream.subjects.some((filter) => subjectWithin(subject, filter))
      ? "outage"
      : "permanent";
  }
  if (/closed|disconnect|timeout|timed out|connection|reconnect/i.test(text)) return "outage";
  return "transient";
}

/** No stream listens on the subject (a publish nobody answered), or the stream is gone. */
function isStreamMissing(error: unknown): boolean {
  return isNoResponders(error) || isStreamNotFound(error);
}
