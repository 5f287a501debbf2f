/**
 * A service's durable pull consumer on one stream: explicit ack, bounded redelivery with
 * backoff, dead letters for what cannot be handled, and every handler run once per event id
 * through the inbox. Events that share an ordering key (the user's, else the order's) are
 * handled one after another in stream order; events of different keys may run side by side, in
 * up to `concurrency` (1) transactions at once. Under load, the events waiting in a lane are applied
 * together in one transaction (one BEGIN, one inbox insert, one COMMIT for all of them); with
 * `independentKeys`, the batch's keys go side by side in it, their statements sent together.
 * The consumer heals: when the server loses the durable or its stream (deleted, or a server
 * back with an empty store), readiness fails and both are recreated, resuming after the last
 * event the inbox says this service applied, not from the stream's start (unless the stream
 * was rebuilt); its dead letters are recorded once (see dead_letters.ts).
 */
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Database } from "../../db/client.ts";
import { ensureStream, isConsumerInUse, isConsumerOrStreamNotFound } from "../bus/mod.ts";
import type { StreamDefinition } from "../contracts/mod.ts";
import type { Logger } from "../log/mod.ts";
import {
  eventConsumerRecreated,
  eventHandleDuration,
  eventsHandled,
  reportReading,
} from "../telemetry/mod.ts";
import { deadLettersStream, sendToDeadLetters } from "./dead_letters.ts";
import { type Delivery, eventDispatcher } from "./dispatch.ts";
import type { EventHandler } from "./handler.ts";
import { type InboxTable, resumePosition } from "./inbox.ts";
import { orderingKey } from "./ordering.ts";
import { errorText } from "../errors/mod.ts";

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
  /** Told of each transaction that applied events (the relay publishes what it wrote). */
  afterCommit?: (tx: Database) => void;
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
   * two; see README, "Benchmarks").
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

const nanos = (ms: number) => ms * 1_000_000;

/** Waits before another try at recreating a lost consumer: 0.5 s, doubling, at most 10 s. */
const healDelayMs = (attempt: number) => Math.min(10_000, 500 * 2 ** attempt);

/**
 * A pull request's life on the server (ms): heartbeats come at half of it, so a consumer that
 * was lost while nothing arrived is noticed after two missed heartbeats (nats.js's rule).
 */
const pullExpiresMs = 10_000;

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
  const { nc, service, stream, log, db, inbox } = options;
  const maxDeliver = options.maxDeliver ?? 5;
  const backoff = options.backoffMs ?? [250, 1000, 5000, 15000];
  const dispatcher = eventDispatcher(options);
  const jsm = await jetstreamManager(nc);
  // The server may deliver without limit: this consumer counts deliveries itself and dead-letters
  // at `maxDeliver`, so a message whose dead letter could not be written is delivered again
  // instead of being dropped silently when the server's count runs out.
  const config = {
    ack_policy: AckPolicy.Explicit,
    max_deliver: -1,
    ack_wait: nanos(options.ackWaitMs ?? 10_000),
    filter_subject: filterSubject(stream, options.handlers),
  };
  /** Stream sequences received and not yet acked or terminated (nak'd ones wait here). */
  const unsettled = new Set<number>();

  /**
   * Where a new durable starts: after the last event this service applied from the stream (the
   * inbox records it), or earlier at a message it still holds unsettled; from the stream's first
   * message when it applied nothing from it, or the stream was rebuilt (it ends before that
   * position, or was created after the position was applied).
   */
  async function startPosition() {
    const [info, position] = await Promise.all([
      jsm.streams.info(stream.name),
      resumePosition(db, inbox, stream.name),
    ]);
    const rebuilt = position !== null &&
      (info.state.last_seq < position.seq || new Date(info.created) > position.handledAt);
    if (position === null || rebuilt) {
      return { deliver_policy: DeliverPolicy.All, from: info.state.first_seq, rebuilt };
    }
    const from = Math.min(position.seq + 1, ...unsettled);
    return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from, from, rebuilt };
  }

  /** Makes the stream, the dead letters' stream and the durable exist, as configured. */
  async function ensureConsumer(): Promise<void> {
    await ensureStream(nc, stream);
    await ensureStream(nc, deadLettersStream);
    const existing = await jsm.consumers.info(stream.name, service).catch((error) => {
      if (isConsumerOrStreamNotFound(error)) return null;
      throw error;
    });
    if (existing) {
      const now = existing.config;
      if (
        now.max_deliver !== config.max_deliver || now.ack_wait !== config.ack_wait ||
        now.filter_subject !== config.filter_subject
      ) await jsm.consumers.update(stream.name, service, config);
      return;
    }
    const { from, rebuilt, ...start } = await startPosition();
    try {
      await jsm.consumers.add(stream.name, { durable_name: service, ...config, ...start });
    } catch (raced) {
      // Another instance made it between our look and our add: theirs starts where ours would.
      if (!isConsumerInUse(raced)) throw raced;
      return;
    }
    log.info("durable consumer created", { stream: stream.name, from, rebuilt });
  }

  await ensureConsumer();
  const stopReporting = reportReading(
    "consumer_pending_messages",
    { service, stream: stream.name },
    async () => {
      const info = await jsm.consumers.info(stream.name, service);
      return info.num_pending + info.num_ack_pending;
    },
  );
  const laneCount = Math.max(1, options.concurrency ?? 1);
  const batchSize = Math.max(1, options.batchSize ?? 32);
  // What the client may hold unacknowledged: a full batch running and the next one waiting, at
  // least (with one lane, 32 would leave pulled messages waiting in the client's buffer instead,
  // their ack wait running).
  const inHandAtMost = Math.max(64, laneCount * batchSize);

  /** Why the consumer cannot fetch now, or null while it can. */
  let lost: string | null = null;
  let stopping = false;
  let messages: ConsumerMessages | null = null;
  let wakeHealer: (() => void) | null = null;

  /**
   * Consumes; when the server says the durable or its stream is gone (deleted, or a server back
   * with an empty store), readiness fails and the consumer is recreated from where this service
   * really is, then consumption resumes.
   */
  async function open(): Promise<ConsumerMessages> {
    const consumer = await jetstream(nc).consumers.get(stream.name, service);
    const opened = await consumer.consume({
      max_messages: inHandAtMost,
      expires: pullExpiresMs,
      abort_on_missing_resource: true,
    });
    (async () => {
      for await (const status of opened.status()) {
        if (status.type === "heartbeats_missed" && !lost) {
          log.warn("event consumer missed heartbeats", { stream: stream.name });
        }
      }
    })().catch(() => {});
    return opened;
  }
  /** Acks what was handled (or dead-letters what never can be), with its metrics. */
  async function settle(message: JsMsg, delivery: Delivery, started: number) {
    const type = delivery.event?.type ?? message.subject;
    try {
      if (delivery.outcome === "invalid") {
        eventsHandled.inc({ service, event: type, outcome: "dead" });
        return await deadLetter(message, delivery.reason);
      }
      message.ack();
      unsettled.delete(message.seq);
      eventsHandled.inc({ service, event: type, outcome: delivery.outcome });
    } finally {
      eventHandleDuration.observe({ service, event: type }, (performance.now() - started) / 1000);
    }
  }

  /** One message in its own transaction; a failure is retried later, then dead-lettered. */
  async function handleOne(message: JsMsg): Promise<void> {
    const started = performance.now();
    let delivery: Delivery;
    try {
      delivery = await dispatcher.deliver(message);
    } catch (error) {
      const attempt = message.info.deliveryCount;
      if (attempt >= maxDeliver) {
        eventsHandled.inc({ service, event: message.subject, outcome: "dead" });
        return deadLetter(message, `failed ${attempt} times: ${errorText(error)}`);
      }
      eventsHandled.inc({ service, event: message.subject, outcome: "retry" });
      log.warn("event handler failed; will retry", {
        error,
        attempt,
        subject: message.subject,
        seq: message.seq,
      });
      message.nak(backoff[Math.min(attempt - 1, backoff.length - 1)]);
      return;
    }
    await settle(message, delivery, started);
  }

  /**
   * The messages waiting in a lane, in one transaction. If one of them fails, none was
   * applied: each is then handled alone, so only the failing one is retried.
   */
  async function handleBatch(batch: JsMsg[]): Promise<void> {
    if (batch.length === 1) return safely(() => handleOne(batch[0]), batch[0]);
    const started = performance.now();
    let deliveries: Delivery[];
    try {
      deliveries = await dispatcher.deliverAll(batch);
    } catch (error) {
      log.debug("a batch failed; its events are handled one by one", {
        error,
        events: batch.length,
      });
      for (const message of batch) await safely(() => handleOne(message), message);
      return;
    }
    // Settled side by side: the acks go out in the same tick, and nats.js sends what was queued
    // in one tick in one write.
    await Promise.all(
      batch.map((message, i) => safely(() => settle(message, deliveries[i], started), message)),
    );
  }

  async function deadLetter(message: JsMsg, reason: string) {
    const recorded = await sendToDeadLetters(nc, service, message, reason);
    const where = { subject: message.subject, stream: stream.name, seq: message.seq };
    if (recorded === "already") log.warn("dead letter recorded before; terminated again", where);
    else log.error("event sent to dead letters", { ...where, reason, recorded });
    // Without a reason: nats-server 2.9 does not read "+TERM <reason>" and would redeliver the
    // message after the ack wait. The reason travels in the dead letter's headers.
    message.term();
    unsettled.delete(message.seq);
  }

  const safely = async (work: () => Promise<void>, message: JsMsg) => {
    try {
      await work();
    } catch (error) {
      // Could not even dead-letter it (NATS away): let the server redeliver it later.
      log.error("event could not be handled", { error, subject: message.subject });
      message.nak(backoff[0]);
    }
  };

  // Events go to lanes by ordering key: a lane applies what waits in it in stream order, in
  // one transaction per batch, while other lanes run side by side.
  const lanes = Array.from({ length: laneCount }, () => ({
    waiting: [] as JsMsg[],
    running: false,
  }));
  const lanesDone = new Set<Promise<void>>();
  let inHand = 0;
  let room: (() => void) | null = null;

  async function drainLane(lane: (typeof lanes)[number]) {
    lane.running = true;
    while (lane.waiting.length > 0) {
      const batch = lane.waiting.splice(0, batchSize);
      await handleBatch(batch).catch((error) => {
        // Not even a nak went out (the connection is gone): the server redelivers after the wait.
        log.error("events could not be settled", { error, events: batch.length });
      });
      inHand -= batch.length;
      const wake = room;
      room = null;
      wake?.();
    }
    lane.running = false;
  }

  function take(message: JsMsg) {
    // One lane needs no key: the dispatcher parses the message anyway, so it is not parsed twice.
    const lane = lanes.length === 1 ? lanes[0] : lanes[laneOf(message, lanes.length)];
    lane.waiting.push(message);
    unsettled.add(message.seq);
    inHand++;
    if (!lane.running) {
      const draining = drainLane(lane);
      lanesDone.add(draining);
      draining.finally(() => lanesDone.delete(draining));
    }
  }

  const loop = (async () => {
    let attempt = 0;
    while (!stopping) {
      try {
        if (lost) {
          await ensureConsumer();
          log.warn("event consumer recreated", { stream: stream.name });
          eventConsumerRecreated.inc({ service, stream: stream.name });
        }
        messages = await open();
        lost = null;
        attempt = 0;
        for await (const message of messages) {
          while (inHand >= inHandAtMost) await new Promise<void>((r) => room = r);
          take(message);
        }
        if (stopping || nc.isClosed()) return;
        throw new Error("the consumer stopped");
      } catch (error) {
        if (stopping || nc.isClosed()) return;
        if (!lost) {
          log.error("event consumer cannot fetch; recreating it", {
            stream: stream.name,
            error,
          });
        }
        lost = errorText(error);
        await new Promise<void>((resume) => {
          const timer = setTimeout(resume, healDelayMs(attempt++));
          wakeHealer = () => (clearTimeout(timer), resume());
        });
        wakeHealer = null;
      }
    }
  })();

  return {
    ready: () =>
      lost === null ? Promise.resolve() : Promise.reject(new Error(`cannot fetch: ${lost}`)),
    stop: async () => {
      stopping = true;
      stopReporting();
      wakeHealer?.();
      await messages?.close();
      await loop;
      await Promise.all(lanesDone);
    },
  };
}

/**
 * What the durable consumer reads: the one event type its handlers know, else the whole stream.
 * The server then keeps the other facts off the wire instead of sending each to be ignored
 * (nats-server 2.9 takes one filter subject, not a list).
 */
export function filterSubject(stream: StreamDefinition, handlers: EventHandler[]): string {
  const subjects = new Set(handlers.map((handler) => handler.event.subject));
  return subjects.size === 1 ? [...subjects][0] : stream.subjects[0];
}

/** The lane of a message: all events of one ordering key go to the same lane. */
function laneOf(message: JsMsg, lanes: number): number {
  const event = safeJson(message) as { id?: unknown; data?: unknown } | undefined;
  const key = typeof event?.id === "string"
    ? orderingKey({ id: event.id, data: event.data })
    : `poison:${message.seq}`;
  let hash = 2166136261; // FNV-1a: cheap, and spreads UUIDs evenly
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619);
  return (hash >>> 0) % lanes;
}

function safeJson(message: JsMsg): unknown {
  try {
    return message.json();
  } catch {
    return undefined;
  }
}
