/**
 * A service's durable pull consumer on one stream: explicit ack, bounded redelivery with
 * backoff, dead letters for what cannot be handled, and every handler run once per event id
 * through the inbox. Events that share an ordering key (the order's id, else the user's) are
 * handled one after another in stream order; events of different keys run side by side, up to
 * `concurrency` at once.
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
import { envelope, type StreamDefinition } from "../contracts/mod.ts";
import type { Logger } from "../log/mod.ts";
import { eventHandleDuration, eventsHandled, reportReading } from "../telemetry/mod.ts";
import { deadLettersStream, sendToDeadLetters } from "./dead_letters.ts";
import { eventDispatcher } from "./dispatch.ts";
import type { EventHandler } from "./handler.ts";
import type { InboxTable } from "./inbox.ts";

export interface ConsumerOptions {
  nc: NatsConnection;
  /** The consuming service: the durable consumer's name. */
  service: string;
  stream: StreamDefinition;
  handlers: EventHandler[];
  db: Database;
  inbox: InboxTable;
  log: Logger;
  /** Called after a handler's transaction committed (e.g. to wake the outbox relay). */
  afterCommit?: () => void;
  /** Deliveries before a failing message becomes a dead letter. */
  maxDeliver?: number;
  /** Wait before each redelivery after a failure; the last one repeats. */
  backoffMs?: number[];
  /** How long an unacknowledged delivery waits before the server redelivers it (a crash). */
  ackWaitMs?: number;
  /** Messages in hand at once, across ordering keys. */
  concurrency?: number;
}

/** What must happen in order: all facts of one order, else of one user, else the event alone. */
export function orderingKey(event: { id: string; data: unknown }): string {
  const data = (event.data ?? {}) as { orderId?: unknown; userId?: unknown };
  if (typeof data.orderId === "string") return `order:${data.orderId}`;
  if (typeof data.userId === "string") return `user:${data.userId}`;
  return `event:${event.id}`;
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
    filter_subject: stream.subjects[0],
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
  const messages = await consumer.consume({ max_messages: 64 });

  async function handle(message: JsMsg): Promise<void> {
    const started = performance.now();
    let type = message.subject;
    try {
      const delivery = await dispatcher.deliver(message);
      type = delivery.event?.type ?? type;
      if (delivery.outcome === "invalid") {
        eventsHandled.inc({ service, event: type, outcome: "dead" });
        return deadLetter(message, delivery.reason);
      }
      if (delivery.outcome === "applied") options.afterCommit?.();
      message.ack();
      eventsHandled.inc({ service, event: type, outcome: delivery.outcome });
    } catch (error) {
      const attempt = message.info.deliveryCount;
      if (attempt >= maxDeliver) {
        eventsHandled.inc({ service, event: type, outcome: "dead" });
        return deadLetter(message, `failed ${attempt} times: ${errorText(error)}`);
      }
      eventsHandled.inc({ service, event: type, outcome: "retry" });
      log.warn("event handler failed; will retry", {
        error,
        attempt,
        subject: message.subject,
        seq: message.seq,
      });
      message.nak(backoff[Math.min(attempt - 1, backoff.length - 1)]);
    } finally {
      eventHandleDuration.observe({ service, event: type }, (performance.now() - started) / 1000);
    }
  }

  async function deadLetter(message: JsMsg, reason: string) {
    log.error("event sent to dead letters", { subject: message.subject, reason });
    await sendToDeadLetters(nc, service, message, reason);
    // Without a reason: nats-server 2.9 does not read "+TERM <reason>" and would redeliver the
    // message after the ack wait. The reason travels in the dead letter's headers.
    message.term();
  }

  const safely = async (message: JsMsg) => {
    try {
      await handle(message);
    } catch (error) {
      // Could not even dead-letter it (NATS away): let the server redeliver it later.
      log.error("event could not be handled", { error, subject: message.subject });
      message.nak(backoff[0]);
    }
  };

  const limit = options.concurrency ?? 16;
  const inHand = new Set<Promise<void>>();
  // The last handling queued for each key: the next one with that key waits for it.
  const tails = new Map<string, Promise<void>>();
  const loop = (async () => {
    for await (const message of messages) {
      while (inHand.size >= limit) await Promise.race(inHand);
      const parsed = envelope.safeParse(safeJson(message));
      const key = parsed.success ? orderingKey(parsed.data) : `poison:${message.seq}`;
      const previous = tails.get(key) ?? Promise.resolve();
      const handling = previous.then(() => safely(message));
      tails.set(key, handling);
      inHand.add(handling);
      handling.finally(() => {
        inHand.delete(handling);
        if (tails.get(key) === handling) tails.delete(key);
      });
    }
  })();

  return {
    stop: async () => {
      stopReporting();
      await messages.close();
      await loop;
      await Promise.all(inHand);
    },
  };
}

function safeJson(message: JsMsg): unknown {
  try {
    return message.json();
  } catch {
    return undefined;
  }
}

const errorText = (error: unknown) => error instanceof Error ? error.message : String(error);
