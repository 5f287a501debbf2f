/**
 * A service's durable pull consumer on one stream: explicit ack, bounded redelivery with
 * backoff, dead letters for what cannot be handled, and every handler run once per event id
 * through the inbox. Events that share an ordering key (the one their producer declares in the
 * event's contract) are handled one after another in stream order; events of different keys may run side by side, in
 * up to `concurrency` (1) transactions at once. Under load, the events waiting in a lane are applied
 * together in one transaction (one BEGIN, one inbox insert, one COMMIT for all of them); with
 * `independentKeys`, the batch's keys go side by side in it, their statements sent together.
 * The consumer heals: when the server loses the durable or its stream (deleted, or a server
 * back with an empty store), readiness fails and both are recreated, resuming after the last
 * event the inbox says this service applied, not from the stream's start (unless the stream
 * was rebuilt); its dead letters are recorded once (see dead_letters.ts).
 *
 * Its parts: durable.ts (the durable, where it starts), healing.ts (the fetch loop, remaking a
 * lost durable), lanes.ts (lanes and batches), settle.ts (ack, retry, dead letter), and
 * dispatch.ts (from a message to its handler, once, through the inbox).
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { Database } from "../db/client.ts";
import type { StreamDefinition } from "../contracts/mod.ts";
import type { Logger } from "../log/mod.ts";
import { reportReading } from "../telemetry/mod.ts";
import { type Dispatcher, eventDispatcher } from "./dispatch.ts";
import { durableConsumer } from "./durable.ts";
import type { OutboxTable } from "../outbox/mod.ts";
import type { EventHandler } from "./handler.ts";
import { fetchAndHeal } from "./healing.ts";
import type { InboxTable } from "./inbox.ts";
import { eventLanes } from "./lanes.ts";
import { batchSettler } from "./settle.ts";
import { deliveryDefaults } from "./delivery.ts";
import { retryAtStart } from "../bus/start_retry.ts";

/** What `startEventConsumer` consumes, applies events with, and how it delivers. */
export interface ConsumerOptions {
  /** The connection it pulls through. */
  nc: NatsConnection;
  /** The consuming service: the durable consumer's name. */
  service: string;
  /** The stream read; made if missing. */
  stream: StreamDefinition;
  /** What the service does per event type and version; others are acked unhandled. */
  handlers: EventHandler[];
  /** The service's database: handlers' effects and the inbox, one transaction per batch. */
  db: Database;
  /** The service's inbox: one row per event applied, and the resume position. */
  inbox: InboxTable;
  /** Where failures, dead letters and recreations are logged. */
  log: Logger;
  /**
   * The outbox the handlers' `publish` writes into, as `service`, when no `dispatcher` is given;
   * without it, a handler that publishes fails (see the dispatcher's).
   */
  outbox?: OutboxTable;
  /** Told of each transaction that applied events (the relay publishes what it wrote). */
  afterCommit?: (tx: Database) => void;
  /**
   * The dispatcher to apply events with, when the service shares it with its replays and
   * redrives; else one is made from these options. Made from the same handlers, inbox and
   * database: the handlers given here still choose the durable's filter subject.
   */
  dispatcher?: Dispatcher;
  /** A batch applies events of different ordering keys side by side (see the dispatcher's). */
  independentKeys?: boolean;
  /** Deliveries before a failing message becomes a dead letter. */
  maxDeliver?: number;
  /** Wait before each redelivery after a failure; the last one repeats. */
  backoffMs?: number[];
  /** How long an unacknowledged delivery waits before the server redelivers it (a crash). */
  ackWaitMs?: number;
  /**
   * Transactions at once: events are spread over this many lanes by their ordering key. One by
   * default: more lanes make smaller batches, so more transactions for the same events (on two
   * cores, with a process per service, two lanes cost the saga about 15% more syscalls and
   * context switches per order than one, and four did 12 to 19% fewer orders per second than
   * two; see docs/performance.md).
   */
  concurrency?: number;
  /** Events applied in one transaction at most, when that many wait in a lane. */
  batchSize?: number;
}

/** A started event consumer. */
export interface RunningConsumer {
  /** Stops pulling and waits for the batches in hand to be settled. */
  stop(): Promise<void>;
  /**
   * Resolves while the consumer can fetch; rejects saying why not (its stream or durable was
   * lost and is being recreated). A readiness check.
   */
  ready(): Promise<void>;
}

/**
 * Starts a pull consumer of `stream` for `service`: makes the stream, the dead letters' stream and
 * the durable (named after the service, explicit acks, filtered to the one subject its handlers
 * know, else the stream's) exist; a new durable starts after the last event the inbox says was
 * applied. Messages are spread over `concurrency` lanes by ordering key and applied in batches of
 * up to `batchSize` per transaction. A failed message is nak'd with `backoffMs` (default 250, 1000,
 * 5000, 15000 ms; the last repeats) and becomes a dead letter at its `maxDeliver`th delivery
 * (default 5); an invalid one becomes a dead letter at once. A durable or stream the server lost is
 * recreated (waits 0.5 s doubling to 10 s), meanwhile `ready()` rejects. Throws when the stream or
 * durable cannot be made at start.
 */
export async function startEventConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const { nc, service, stream, log } = options;
  const laneCount = Math.max(1, options.concurrency ?? 1);
  const batchSize = Math.max(1, options.batchSize ?? 32);
  // What the client may hold unacknowledged: a full batch running and the next one waiting, at
  // least (with one lane, 32 would leave pulled messages waiting in the client's buffer instead,
  // their ack wait running).
  const inHandAtMost = Math.max(64, laneCount * batchSize);
  /** Stream sequences received and not yet acked or terminated (nak'd ones wait here). */
  const unsettled = new Set<number>();

  const durable = await durableConsumer({
    ...options,
    inbox: { db: options.db, table: options.inbox },
    unsettled,
  });
  await retryAtStart("making the durable consumer", () => durable.ensure(), { log });
  const stopReporting = reportReading(
    "consumer_pending_messages",
    { service, stream: stream.name },
    durable.pending,
  );
  const handleBatch = batchSettler({
    nc,
    service,
    stream,
    log,
    dispatcher: options.dispatcher ?? eventDispatcher(options),
    maxDeliver: options.maxDeliver ?? deliveryDefaults.maxDeliver,
    backoffMs: options.backoffMs ?? [...deliveryDefaults.backoffMs],
    unsettled,
  });
  const lanes = eventLanes({
    count: laneCount,
    batchSize,
    inHandAtMost,
    handleBatch,
    log,
    unsettled,
  });
  const fetching = fetchAndHeal({
    nc,
    service,
    stream,
    log,
    durable,
    inHandAtMost,
    take: lanes.take,
  });

  return {
    ready: fetching.ready,
    stop: async () => {
      stopReporting();
      await fetching.stop();
      await lanes.drained();
    },
  };
}
