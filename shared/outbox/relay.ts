/**
 * The outbox relay: told of commits that wrote to the outbox, it publishes their rows at once;
 * woken, and on a poll, it publishes whatever the query finds (selection.ts), row by row with
 * each row's own outcome (publish.ts). Events get into the outbox through enqueue.ts.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { and, count, isNotNull, isNull } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import type { StreamDefinition } from "../contracts/mod.ts";
import type { Logger } from "../log/mod.ts";
import { reportReading } from "../telemetry/mod.ts";
import { type OutboxRow, takeWritten } from "./enqueue.ts";
import { publishesThrough } from "./events.ts";
import { rowPublisher } from "./publish.ts";
import { type InFlight, type OutboxSelection, outboxSelection } from "./selection.ts";
import type { OutboxTable } from "./table.ts";

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
  publishesThrough(table, options.nc);
  const batchSize = options.batchSize ?? 100;
  const inFlight: InFlight = { unmarked: new Set(), sending: new Set() };
  const selection = outboxSelection(db, table, batchSize, inFlight);
  const publish = rowPublisher({ ...options, maxAttempts: options.maxAttempts ?? 10, inFlight });
  let stopped = false;
  const loop = wakeLoop({ selection, publish, batchSize, log, stopped: () => stopped });
  const wake = loop.wake;
  /** Publishes of committed rows (`stored`) under way. */
  const publishing = new Set<Promise<void>>();

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

  const stopReporting = reportOutboxReadings(options);
  const timer = setInterval(wake, options.pollMs ?? 1000);
  wake();

  return {
    wake: () => void wake(),
    committed: (tx) => {
      const rows = takeWritten(tx, table);
      if (rows) stored(rows);
    },
    stored,
    flush: async () => {
      await Promise.all(publishing);
      await loop.idle();
      await wake();
      await selection.markHeld();
    },
    stop: async () => {
      stopped = true;
      stopReporting();
      clearInterval(timer);
      await Promise.all(publishing);
      await loop.idle();
      await selection.markHeld().catch((error) => log.warn("outbox marks not written", { error }));
    },
  };
}

/** What a wake publishes with, and when it stops. */
interface WakeLoopOptions {
  selection: OutboxSelection;
  publish: (rows: OutboxRow[]) => Promise<boolean>;
  /** Rows read at once at most: a full batch means there may be more. */
  batchSize: number;
  log: Logger;
  stopped: () => boolean;
}

/**
 * The relay's wake: one run at a time publishing batches until one is short or a row failed; a
 * wake during a run makes it go round once more. `idle` resolves when no run is under way.
 */
function wakeLoop(options: WakeLoopOptions) {
  const { selection, publish, batchSize, log, stopped } = options;
  let running: Promise<void> | null = null;
  let again = false;

  async function drain(): Promise<void> {
    do {
      again = false;
      try {
        while (!stopped()) {
          const rows = await selection.next();
          const allSent = rows.length === 0 || await publish(rows);
          // A full batch: there may be more. A failure: its row waits for the next poll, and
          // the rows after it go with that poll's batch too.
          if (rows.length < batchSize || !allSent) break;
        }
      } catch (error) {
        log.warn("outbox publish failed; will retry", { error });
        return;
      }
    } while (again && !stopped());
  }

  function wake(): Promise<void> {
    if (stopped()) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = drain().finally(() => running = null);
    return running;
  }

  return { wake, idle: async () => await running };
}

/** Reports the outbox's backlog and its parked rows as gauges; answers the function to stop. */
function reportOutboxReadings({ db, table, service }: RelayOptions): () => void {
  const stopBacklog = reportReading(
    "outbox_backlog_events",
    { service },
    async () =>
      (await db.select({ n: count() }).from(table)
        .where(and(isNull(table.publishedAt), isNull(table.parkedAt))))[0].n,
  );
  const stopParked = reportReading(
    "outbox_parked_events",
    { service },
    async () =>
      (await db.select({ n: count() }).from(table)
        .where(and(isNull(table.publishedAt), isNotNull(table.parkedAt))))[0].n,
  );
  return () => (stopBacklog(), stopParked());
}
