/**
 * The event side of the bridge: for each stream a carried service reacts to, the service's
 * durable consumed as the kit consumes it (the same fetch loop that heals a lost durable, the
 * same lanes by ordering key), each message delivered over HTTP and settled by the answer
 * (event_settling.ts).
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { fetchAndHeal } from "../shared/events/healing.ts";
import { eventLanes } from "../shared/events/lanes.ts";
import type { Logger } from "../shared/log/mod.ts";
import { reportReading } from "../shared/telemetry/mod.ts";
import type { CarriedStream } from "./carried.ts";
import { durableConsumer } from "../shared/events/durable.ts";
import { retryAtStart } from "../shared/bus/start_retry.ts";
import { deliverAndSettle } from "./event_settling.ts";
import type { ServiceClient } from "./service_client.ts";

/** What `forwardEvents` consumes for whom, and how. */
export interface EventForwardingOptions {
  nc: NatsConnection;
  /** The carried service: its durable's name. */
  service: string;
  carried: CarriedStream;
  client: ServiceClient;
  log: Logger;
  /** How long one delivery may take, in ms. */
  timeoutMs: number;
  /** Deliveries at once (lanes: messages of one ordering key go one after another). */
  concurrency: number;
  /** The kit's figures unless told (tests): dead letter at this delivery, waits between. */
  maxDeliver?: number;
  backoffMs?: readonly number[];
}

/** One durable being forwarded. */
export interface EventForwarding {
  /** Resolves while it can fetch; rejects saying why not (the durable is being made again). */
  ready(): Promise<void>;
  /** Stops fetching, then waits until every message in hand is settled. */
  stop(): Promise<void>;
}

/**
 * Makes the durable exist (throws what the server answered when it cannot), then consumes it
 * until stopped: up to `concurrency` deliveries at once, twice that in hand at most.
 */
export async function forwardEvents(options: EventForwardingOptions): Promise<EventForwarding> {
  const { nc, service, carried } = options;
  const stream = carried.stream.name;
  const log = options.log.child({ stream });
  const unsettled = new Set<number>();
  // The service's own durable, as the kit makes it: switching a service between NATS and the
  // bridge keeps its position. One made here starts at the stream's start (no inbox to read).
  const durable = await durableConsumer({
    nc,
    service,
    stream: carried.stream,
    handlers: carried.handlers,
    log,
    unsettled,
  });
  await retryAtStart("making the durable consumer", () => durable.ensure(), { log });
  const stopReporting = reportReading(
    "consumer_pending_messages",
    { service, stream },
    durable.pending,
  );
  const inHandAtMost = options.concurrency * 2;
  const settling = { ...options, stream, log, unsettled };
  const lanes = eventLanes({
    count: options.concurrency,
    batchSize: 1,
    inHandAtMost,
    handleBatch: (batch) => deliverAndSettle(settling, batch[0]),
    log,
    unsettled,
  });
  const fetching = fetchAndHeal({
    nc,
    service,
    stream: carried.stream,
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
