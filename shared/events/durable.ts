/**
 * A service's durable consumer on the server: how it is configured, where a new one starts (after
 * the last event the inbox says this service applied), and making it exist, again when the server
 * lost it.
 */
import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  type JetStreamManager,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Database } from "../db/client.ts";
import { ensureStream, isConsumerInUse, isConsumerOrStreamNotFound } from "../bus/mod.ts";
import type { StreamDefinition } from "../contracts/mod.ts";
import type { Logger } from "../log/mod.ts";
import { deadLettersStream } from "./dead_letters.ts";
import type { EventHandler } from "./handler.ts";
import { type InboxTable, resumePosition } from "./inbox.ts";

/** The durable of `service` on `stream`, and what its start position is read from. */
export interface DurableOptions {
  nc: NatsConnection;
  /** The consuming service: the durable's name. */
  service: string;
  /** The stream read; made if missing. */
  stream: StreamDefinition;
  /** The service's handlers: they choose the filter subject (see `filterSubject`). */
  handlers: readonly Pick<EventHandler, "event">[];
  /**
   * The service's database and inbox, where it records what it applied: a new durable starts
   * after that. Without them (the bridge, which cannot read a service's inbox) a new durable
   * starts at the stream's start, and the service's inbox answers what it applied as duplicates.
   */
  inbox?: { db: Database; table: InboxTable };
  log: Logger;
  /** How long an unacknowledged delivery waits before the server redelivers it, in ms (10000). */
  ackWaitMs?: number;
  /** Stream sequences held and not yet settled: a new durable starts no later than the first. */
  unsettled: ReadonlySet<number>;
}

/** The durable consumer as the server holds it. */
export interface Durable {
  /**
   * Makes the stream, the dead letters' stream and the durable exist, as configured (a durable
   * whose configuration differs is updated). Throws what the server answered otherwise.
   */
  ensure(): Promise<void>;
  /** Messages the server holds for the durable: not yet delivered plus unacknowledged. */
  pending(): Promise<number>;
}

const nanos = (ms: number) => ms * 1_000_000;

/**
 * The durable named after `options.service`: explicit acks, filtered to the one subject its
 * handlers know (else the stream's). The server may deliver without limit: the consumer counts
 * deliveries itself and dead-letters at its `maxDeliver`, so a message whose dead letter could not
 * be written is delivered again instead of being dropped silently when the server's count runs out.
 */
export async function durableConsumer(options: DurableOptions): Promise<Durable> {
  const { nc, service, stream, log } = options;
  const jsm = await jetstreamManager(nc);
  const config = durableConfig(stream, options.handlers, options.ackWaitMs);

  async function ensure(): Promise<void> {
    // Made if missing, never changed: the stream is its publisher's (and NATS says so).
    await ensureStream(nc, stream, { update: false });
    await ensureStream(nc, deadLettersStream, { update: false });
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
    const { from, rebuilt, ...start } = await startPosition(jsm, options);
    try {
      await jsm.consumers.add(stream.name, { durable_name: service, ...config, ...start });
    } catch (raced) {
      // Another instance made it between our look and our add: theirs starts where ours would.
      if (!isConsumerInUse(raced)) throw raced;
      return;
    }
    log.info("durable consumer created", { stream: stream.name, from, rebuilt });
  }

  async function pending(): Promise<number> {
    const info = await jsm.consumers.info(stream.name, service);
    return info.num_pending + info.num_ack_pending;
  }

  return { ensure, pending };
}

/**
 * The configuration of a service's durable on `stream` (besides its name and start): explicit
 * acks, no server-side delivery limit, `ackWaitMs` (10000) before a redelivery, filtered as
 * `filterSubject` says. The bridge makes the durables it carries with this same configuration.
 */
export function durableConfig(
  stream: StreamDefinition,
  handlers: readonly Pick<EventHandler, "event">[],
  ackWaitMs = 10_000,
) {
  return {
    ack_policy: AckPolicy.Explicit,
    max_deliver: -1,
    ack_wait: nanos(ackWaitMs),
    filter_subject: filterSubject(stream, handlers),
  } satisfies Partial<ConsumerConfig>;
}

/**
 * Where a new durable starts: after the last event this service applied from the stream (the
 * inbox records it), or earlier at a message it still holds unsettled; from the stream's first
 * message when it applied nothing from it, or the stream was rebuilt (it ends before that
 * position, or was created after the position was applied).
 */
async function startPosition(jsm: JetStreamManager, options: DurableOptions) {
  const { stream, unsettled, inbox } = options;
  const [info, position] = await Promise.all([
    jsm.streams.info(stream.name),
    inbox ? resumePosition(inbox.db, inbox.table, stream.name) : null,
  ]);
  const rebuilt = position !== null &&
    (info.state.last_seq < position.seq || new Date(info.created) > position.handledAt);
  if (position === null || rebuilt) {
    return { deliver_policy: DeliverPolicy.All, from: info.state.first_seq, rebuilt };
  }
  const from = Math.min(position.seq + 1, ...unsettled);
  return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from, from, rebuilt };
}

/**
 * What the durable consumer reads: the one event type its handlers know, else the whole stream.
 * The server then keeps the other facts off the wire instead of sending each to be ignored
 * (nats-server 2.9 takes one filter subject, not a list).
 */
export function filterSubject(
  stream: StreamDefinition,
  handlers: readonly Pick<EventHandler, "event">[],
): string {
  const subjects = new Set(handlers.map((handler) => handler.event.subject));
  return subjects.size === 1 ? [...subjects][0] : stream.subjects[0];
}
