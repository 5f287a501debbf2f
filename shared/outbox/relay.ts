import { jetstream } from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/nats-core";
import { and, asc, count, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { type Placeholders, type Statement, statement } from "../../db/statement.ts";
import { awaitAtCommit } from "../../db/transaction.ts";
import {
  ensureStream,
  isJetStreamApiError,
  isNoResponders,
  isStreamNotFound,
  jetStreamApiCodes,
} from "../bus/mod.ts";
import type { Envelope, StreamDefinition } from "../contracts/mod.ts";
import { errorText } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import {
  context,
  injectTraceContext,
  inMessagingSpan,
  outboxPublishFailures,
  recordCarrier,
  reportReading,
  SpanKind,
} from "../telemetry/mod.ts";
import { payloadOf, publishesThrough, refuseOversizedEvent } from "./events.ts";
import type { OutboxTable } from "./table.ts";

/**
 * Writes an event into the outbox, inside the caller's transaction, with the trace context of
 * a publish span under the current one: the async hop links back to what caused it. Nothing
 * reads the insert's answer: in a `transaction` it goes with the commit (db/transaction.ts), and
 * the publish span ends when that answer comes, an error if the insert failed.
 */
export function enqueueEvent(tx: Database, table: OutboxTable, event: Envelope): Promise<void> {
  // Refused now, not at the commit: the caller's work fails and nothing of it is committed.
  try {
    refuseOversizedEvent(event, table);
  } catch (error) {
    return Promise.reject(error);
  }
  return awaitAtCommit(tx, () =>
    withOutboxRow(event, async (row) => {
      await insertInto(table)(tx, row);
      // Only a row that went in: a caller that caught a failed insert may still commit.
      const rows = written.get(tx) ?? written.set(tx, []).get(tx)!;
      rows.push({ ...row, table });
    }));
}

/**
 * The outbox row of `event`, handed to `write` inside a publish span, for a statement that
 * writes the row itself together with the change that caused it. Once that statement has
 * committed, hand the row to the relay's `stored`.
 */
export function withOutboxRow<T>(event: Envelope, write: (row: OutboxRow) => Promise<T>) {
  const carrier = recordCarrier();
  return inMessagingSpan(
    { operation: "publish", destination: event.type, kind: SpanKind.PRODUCER, messageId: event.id },
    context.active(),
    () => {
      injectTraceContext(carrier);
      return write({
        id: event.id,
        subject: event.type,
        payload: payloadOf(event),
        headers: Object.keys(carrier.record).length ? JSON.stringify(carrier.record) : null,
      });
    },
  );
}

/** An event as the outbox keeps it. */
export type OutboxRow = {
  id: string;
  subject: string;
  payload: string;
  headers: string | null;
};

/** What each transaction wrote to an outbox: a relay told of its commit publishes it at once. */
const written = new WeakMap<Database, (OutboxRow & { table: OutboxTable })[]>();

const inserts = new WeakMap<OutboxTable, Statement<unknown>>();

function insertInto(table: OutboxTable) {
  if (!inserts.has(table)) {
    inserts.set(
      table,
      statement("outbox_insert", (db, p) => insertOutboxRow(db, table, p)),
    );
  }
  return inserts.get(table)!;
}

/** The insert of one outbox row; a statement that writes other rows too uses it as a CTE. */
export function insertOutboxRow(
  db: Database,
  table: OutboxTable,
  row: Placeholders,
) {
  return db.insert(table).values({
    id: row.id,
    subject: row.subject,
    payload: row.payload,
    headers: row.headers,
  });
}

function natsHeaders(stored: string | null) {
  if (!stored) return undefined;
  const h = headers();
  for (const [name, value] of Object.entries(JSON.parse(stored) as Record<string, string>)) {
    h.set(name, value);
  }
  return h;
}

/**
 * A running outbox relay: told of commits that wrote to the outbox, it publishes their rows; it
 * also polls for rows left behind.
 */
export interface OutboxRelay {
  /** Publish now: call after a commit that wrote to the outbox. */
  wake(): void;
  /**
   * `tx` committed: publishes what it wrote to the outbox straight away, without reading the
   * table back. Only for a transaction that really committed (not a savepoint).
   */
  committed(tx: Database): void;
  /** Rows a committed statement wrote (see `withOutboxRow`): published straight away too. */
  stored(rows: OutboxRow[]): void;
  /** Resolves once everything written so far was published (tests, shutdown). */
  flush(): Promise<void>;
  /** Stops polling, waits for the publishes in flight and writes the marks still held. */
  stop(): Promise<void>;
}

/** Which outbox to publish, through which connection, and how often to retry. */
export interface RelayOptions {
  /** The publishing service, for its metrics. */
  service: string;
  db: Database;
  table: OutboxTable;
  nc: NatsConnection;
  log: Logger;
  /**
   * The stream the rows go to: when the server has lost it (a store lost), the relay makes it
   * again instead of counting the failure against the rows.
   */
  stream?: StreamDefinition;
  /**
   * Failed publishes of one row before it is parked (10): each poll (`pollMs`) tries once.
   * A row the server can never take (over its max_payload, a subject no stream holds) is parked
   * at the first failure. An outage (no connection, a lost stream) counts against no row.
   */
  maxAttempts?: number;
  /** Safety net for a wake that was missed (a crash, another instance's commit). */
  pollMs?: number;
  batchSize?: number;
}

/**
 * Publishes the outbox in commit order with `Nats-Msg-Id` = event id, then marks the rows.
 * A crash between publish and mark republishes the same ids, which the stream drops. The marks
 * ride on the next batch's query (one statement per batch, not two): until then the published
 * rows are left out of the query by id. What a transaction the relay is told of (`committed`)
 * wrote is published at once, from memory; the query, on a wake and on a poll, finds the rest.
 *
 * Each row's outcome is its own: a row that fails is counted (`attempts`, `last_error`) and
 * retried at the next poll while the rows around it are published and marked; past
 * `maxAttempts`, or at once when the server can never take it, it is parked (`parked_at`) with
 * an error log and the `outbox_publish_failures_total{outcome="parked"}` metric, until an
 * operator re-queues or discards it (`deno task ops outbox`, see parked.ts).
 */
export function startOutboxRelay(options: RelayOptions): OutboxRelay {
  const { db, table, log } = options;
  const js = jetstream(options.nc);
  publishesThrough(table, options.nc);
  const batchSize = options.batchSize ?? 100;
  const maxAttempts = options.maxAttempts ?? 10;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  /** Published, not yet marked (a set: every publish looks ids up in it). */
  const unmarked = new Set<string>();
  /** Being published, by either path. */
  const sending = new Set<string>();
  const publishing = new Set<Promise<void>>();

  const ids = (list: string[]) => sql`${sql.param(list)}::uuid[]`;

  async function nextBatch() {
    const marking = [...unmarked]; // a copy: a commit's publish may add to `unmarked` meanwhile
    const columns = {
      id: table.id,
      subject: table.subject,
      payload: table.payload,
      headers: table.headers,
    };
    const skipped = sending.size > 0 ? [...marking, ...sending] : marking;
    const waiting = and(isNull(table.publishedAt), isNull(table.parkedAt));
    const unpublished = skipped.length === 0
      ? waiting
      : and(waiting, sql`${table.id} <> all(${ids(skipped)})`);
    const rows = marking.length === 0
      ? await db.select(columns).from(table).where(unpublished)
        .orderBy(asc(table.seq)).limit(batchSize)
      : await db.with(db.$with("marked").as(markPublished(marking))).select(columns).from(table)
        .where(unpublished).orderBy(asc(table.seq)).limit(batchSize);
    forget(marking);
    return rows;
  }

  function markPublished(list: string[]) {
    return db.update(table).set({ publishedAt: new Date() })
      .where(sql`${table.id} = any(${ids(list)})`).returning({ id: table.id });
  }

  /**
   * Sent back to back on one connection, so the stream stores them in this order. Answers
   * whether every row went out; what failed is recorded against its row (see `failed`).
   */
  async function publish(rows: OutboxRow[]): Promise<boolean> {
    // A query may have read a row the moment it committed: what is sent or sending is not resent.
    const fresh = rows.filter((row) => !sending.has(row.id) && !unmarked.has(row.id));
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
      if (failures.length > 0) await failed(failures);
      return failures.length === 0;
    } finally {
      for (const row of fresh) sending.delete(row.id);
    }
  }

  /** Counts each failure against its row, or parks the row; an outage counts against none. */
  async function failed(failures: { row: OutboxRow; error: unknown }[]) {
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
          : sql`case when ${table.attempts} + 1 >= ${maxAttempts} then now() end`,
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
        outboxPublishFailures.inc({ service: options.service, outcome: "parked" });
        log.error("outbox row parked: it cannot be published as it is", about);
      } else {
        outboxPublishFailures.inc({ service: options.service, outcome: "retry" });
        log.warn("outbox publish failed; will retry", about);
      }
    }
    if (outage !== null) {
      outboxPublishFailures.inc({ service: options.service, outcome: "retry" });
      log.warn("outbox publish failed; will retry", { error: outage });
      if (isStreamMissing(outage)) await healStream();
    }
  }

  /** The stream is gone (a server that lost its store): make it again, once at a time. */
  let healing: Promise<void> | null = null;
  function healStream(): Promise<void> {
    if (!options.stream) return Promise.resolve();
    const stream = options.stream;
    healing ??= ensureStream(options.nc, stream)
      .then(() => log.warn("stream was missing; made again", { stream: stream.name }))
      .catch((error) => log.warn("stream missing and not made again", { error }))
      .finally(() => healing = null);
    return healing;
  }

  /** Rows read, and whether each went out (a failure waits for the next poll). */
  async function publishBatch(): Promise<{ read: number; allSent: boolean }> {
    const rows = await nextBatch();
    const allSent = rows.length === 0 || await publish(rows);
    return { read: rows.length, allSent };
  }

  function committed(tx: Database) {
    const rows = written.get(tx)?.filter((row) => row.table === table);
    written.delete(tx);
    if (rows) stored(rows);
  }

  function stored(rows: OutboxRow[]) {
    if (!rows.length || stopped) return;
    const sent: Promise<void> = publish(rows)
      .then(
        () => {},
        (error) => log.warn("outbox publish failed; the relay's poll will retry", { error }),
      )
      .finally(() => publishing.delete(sent));
    publishing.add(sent);
  }

  /** Writes the marks still held (flush, stop): nothing is published twice needlessly. */
  async function markHeld() {
    const marking = [...unmarked]; // a copy: a commit's publish may add to `unmarked` meanwhile
    if (marking.length === 0) return;
    await markPublished(marking);
    forget(marking);
  }

  function forget(marked: string[]) {
    for (const id of marked) unmarked.delete(id);
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      try {
        while (!stopped) {
          const { read, allSent } = await publishBatch();
          // A full batch: there may be more. A failure: its row waits for the next poll, and
          // the rows after it go with that poll's batch too.
          if (read < batchSize || !allSent) break;
        }
      } catch (error) {
        log.warn("outbox publish failed; will retry", { error });
        return;
      }
    } while (again && !stopped);
  }

  function wake(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = drain().finally(() => running = null);
    return running;
  }

  const stopBacklog = reportReading(
    "outbox_backlog_events",
    { service: options.service },
    async () =>
      (await db.select({ n: count() }).from(table)
        .where(and(isNull(table.publishedAt), isNull(table.parkedAt))))[0].n,
  );
  const stopParked = reportReading(
    "outbox_parked_events",
    { service: options.service },
    async () =>
      (await db.select({ n: count() }).from(table)
        .where(and(isNull(table.publishedAt), isNotNull(table.parkedAt))))[0].n,
  );
  const stopReporting = () => (stopBacklog(), stopParked());
  const timer = setInterval(wake, options.pollMs ?? 1000);
  wake();

  return {
    wake: () => void wake(),
    committed,
    stored,
    flush: async () => {
      await Promise.all(publishing);
      await running;
      await wake();
      await markHeld();
    },
    stop: async () => {
      stopped = true;
      stopReporting();
      clearInterval(timer);
      await Promise.all(publishing);
      await running;
      await markHeld().catch((error) => log.warn("outbox marks not written", { error }));
    },
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
    return !stream || stream.subjects.some((filter) => subjectMatches(filter, subject))
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

/** Whether `subject` is in the NATS subject filter `filter` (`*` one token, `>` the rest). */
export function subjectMatches(filter: string, subject: string): boolean {
  const want = filter.split(".");
  const have = subject.split(".");
  for (let i = 0; i < want.length; i++) {
    if (want[i] === ">") return have.length > i;
    if (i >= have.length || (want[i] !== "*" && want[i] !== have[i])) return false;
  }
  return want.length === have.length;
}
