/**
 * A service's durable pull consumer on one stream: explicit ack, bounded redelivery with
 * backoff, dead letters for what cannot be handled, and every handler run once per event id
 * through the inbox. Events that share an ordering key (the user's, else the order's) are
 * handled one after another in stream order; events of different keys may run side by side, in
 * up to `concurrency` (1) transactions at once. Under load, the events waiting in a lane are applied
 * together in one transaction (one BEGIN, one inbox insert, one COMMIT for all of them); with
 * `independentKeys`, the batch's keys go side by side in it, their statements sent together.
 */
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Database } from "../../db/client.ts";
import { ensureStream } from "../bus/mod.ts";
import type { StreamDefinition } from "../contracts/mod.ts";
import type { Logger } from "../log/mod.ts";
import { eventHandleDuration, eventsHandled, reportReading } from "../telemetry/mod.ts";
import { deadLettersStream, sendToDeadLetters } from "./dead_letters.ts";
import { type Delivery, eventDispatcher } from "./dispatch.ts";
import type { EventHandler } from "./handler.ts";
import type { InboxTable } from "./inbox.ts";
import { orderingKey } from "./ordering.ts";
import { errorText } from "../errors/mod.ts";

export interface ConsumerOptions {
  nc: NatsConnection;
  /** The consuming service: the durable consumer's name. */
  service: string;
  stream: StreamDefinition;
  handlers: EventHandler[];
  db: Database;
  inbox: InboxTable;
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

export interface RunningConsumer {
  stop(): Promise<void>;
}

const nanos = (ms: number) => ms * 1_000_000;

export async function startEventConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const { nc, service, stream, log } = options;
  const maxDeliver = options.maxDeliver ?? 5;
  const backoff = options.backoffMs ?? [250, 1000, 5000, 15000];
  const dispatcher = eventDispatcher(options);

  await ensureStream(nc, stream);
  await ensureStream(nc, deadLettersStream);
  const jsm = await jetstreamManager(nc);
  const config = {
    durable_name: service,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_deliver: maxDeliver,
    ack_wait: nanos(options.ackWaitMs ?? 10_000),
    filter_subject: filterSubject(stream, options.handlers),
  };
  try {
    await jsm.consumers.add(stream.name, config);
  } catch {
    // It exists with another config (or another instance just made it): bring it to ours.
    const { durable_name: _, ...changes } = config;
    await jsm.consumers.update(stream.name, service, changes);
  }

  const consumer = await jetstream(nc).consumers.get(stream.name, service);
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
  const messages = await consumer.consume({ max_messages: inHandAtMost });

  /** Acks what was handled (or dead-letters what never can be), with its metrics. */
  async function settle(message: JsMsg, delivery: Delivery, started: number) {
    const type = delivery.event?.type ?? message.subject;
    try {
      if (delivery.outcome === "invalid") {
        eventsHandled.inc({ service, event: type, outcome: "dead" });
        return await deadLetter(message, delivery.reason);
      }
      message.ack();
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
    log.error("event sent to dead letters", { subject: message.subject, reason });
    await sendToDeadLetters(nc, service, message, reason);
    // Without a reason: nats-server 2.9 does not read "+TERM <reason>" and would redeliver the
    // message after the ack wait. The reason travels in the dead letter's headers.
    message.term();
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

  const loop = (async () => {
    for await (const message of messages) {
      while (inHand >= inHandAtMost) await new Promise<void>((r) => room = r);
      // One lane needs no key: the dispatcher parses the message anyway, so it is not parsed twice.
      const lane = lanes.length === 1 ? lanes[0] : lanes[laneOf(message, lanes.length)];
      lane.waiting.push(message);
      inHand++;
      if (!lane.running) {
        const draining = drainLane(lane);
        lanesDone.add(draining);
        draining.finally(() => lanesDone.delete(draining));
      }
    }
  })();

  return {
    stop: async () => {
      stopReporting();
      await messages.close();
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
