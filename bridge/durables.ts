/**
 * The durables the bridge consumes for a carried service: the service's own (named after it,
 * configured by the kit's `durableConfig`), so switching a service between NATS and the bridge
 * keeps its position. Made if missing, from the stream's start: the bridge cannot read the
 * service's inbox, and the inbox answers what was applied before as a duplicate.
 */
import { DeliverPolicy, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { ensureStream, isConsumerInUse, isConsumerOrStreamNotFound } from "../shared/bus/mod.ts";
import { deadLettersStream, durableConfig } from "../shared/events/mod.ts";
import type { Durable } from "../shared/events/durable.ts";
import type { Logger } from "../shared/log/mod.ts";
import type { CarriedStream } from "./carried.ts";

/**
 * The durable of `service` on `carried.stream`, as the fetch loop heals it: `ensure` makes the
 * stream (never changes it), the dead letters' stream and the durable exist as configured (one
 * that differs is updated); `pending` counts what waits. Both throw what the server answered.
 */
export async function carriedDurable(
  nc: NatsConnection,
  service: string,
  carried: CarriedStream,
  log: Logger,
): Promise<Durable> {
  const jsm = await jetstreamManager(nc);
  const stream = carried.stream.name;
  const config = durableConfig(carried.stream, carried.handlers);
  return {
    ensure: async () => {
      await ensureStream(nc, carried.stream, { update: false });
      await ensureStream(nc, deadLettersStream, { update: false });
      const existing = await jsm.consumers.info(stream, service).catch((error) => {
        if (isConsumerOrStreamNotFound(error)) return null;
        throw error;
      });
      if (existing) {
        const now = existing.config;
        if (
          now.max_deliver !== config.max_deliver || now.ack_wait !== config.ack_wait ||
          now.filter_subject !== config.filter_subject
        ) await jsm.consumers.update(stream, service, config);
        return;
      }
      try {
        await jsm.consumers.add(stream, {
          durable_name: service,
          ...config,
          deliver_policy: DeliverPolicy.All,
        });
        log.info("durable consumer created from the stream's start", { stream });
      } catch (raced) {
        if (!isConsumerInUse(raced)) throw raced;
      }
    },
    pending: async () => {
      const info = await jsm.consumers.info(stream, service);
      return info.num_pending + info.num_ack_pending;
    },
  };
}
