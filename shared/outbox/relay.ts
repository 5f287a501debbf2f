import { jetstream } from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/nats-core";
import { and, asc, count, isNull, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { type Placeholders, type Statement, statement } from "../../db/statement.ts";
import { awaitAtCommit } from "../../db/transaction.ts";
import type { Envelope } from "../contracts/mod.ts";
import type { Logger } from "../log/mod.ts";
import {
  context,
  injectTraceContext,
  inMessagingSpan,
  recordCarrier,
  reportReading,
  SpanKind,
} from "../telemetry/mod.ts";
import type { OutboxTable } from "./table.ts";

/**
 * Writes an event into the outbox, inside the caller's transaction, with the trace context of
 * a publish span under the current one: the async hop links back to what caused it. Nothing
 * reads the insert's answer: in a `transaction` it goes with the commit (db/transaction.ts), and
 * the publish span ends when that answer comes, an error if the insert failed.
 */
export function enqueueEvent(tx: Database, table: OutboxTable, event: Envelope): Promise<void> {
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
        payload: JSON.stringify(event),
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
  stop(): Promise<void>;
}

export interface RelayOptions {
  /** The publishing service, for its metrics. */
  service: string;
  db: Database;
  table: OutboxTable;
  nc: NatsConnection;
  log: Logger;
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
 */
export function startOutboxRelay(options: RelayOptions): OutboxRelay {
  const { db, table, log } = options;
  const js = jetstream(options.nc);
  const batchSize = options.batchSize ?? 100;
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
    const unpublished = skipped.length === 0
      ? isNull(table.publishedAt)
      : and(isNull(table.publishedAt), sql`${table.id} <> all(${ids(skipped)})`);
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

  /** Sent back to back on one connection, so the stream stores them in this order. */
  async function publish(rows: OutboxRow[]) {
    // A query may have read a row the moment it committed: what is sent or sending is not resent.
    const fresh = rows.filter((row) => !sending.has(row.id) && !unmarked.has(row.id));
    for (const row of fresh) sending.add(row.id);
    try {
      await Promise.all(
        fresh.map((row) =>
          js.publish(row.subject, row.payload, { msgID: row.id, headers: natsHeaders(row.headers) })
        ),
      );
      for (const row of fresh) unmarked.add(row.id);
    } finally {
      for (const row of fresh) sending.delete(row.id);
    }
  }

  async function publishBatch(): Promise<number> {
    const rows = await nextBatch();
    if (rows.length > 0) await publish(rows);
    return rows.length;
  }

  function committed(tx: Database) {
    const rows = written.get(tx)?.filter((row) => row.table === table);
    written.delete(tx);
    if (rows) stored(rows);
  }

  function stored(rows: OutboxRow[]) {
    if (!rows.length || stopped) return;
    const sent = publish(rows)
      .catch((error) => log.warn("outbox publish failed; the relay's poll will retry", { error }))
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
        while (!stopped && (await publishBatch()) === batchSize) {
          // a full batch: there may be more
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

  const stopReporting = reportReading(
    "outbox_backlog_events",
    { service: options.service },
    async () => (await db.select({ n: count() }).from(table).where(isNull(table.publishedAt)))[0].n,
  );
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
