import { jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { StreamDefinition } from "../contracts/mod.ts";
import { isStreamNameInUse, isStreamNotFound } from "./jetstream_errors.ts";

/** How long the stream remembers a `Nats-Msg-Id` to drop a re-publish. */
export const duplicateWindowMs = 2 * 60 * 1000;

/**
 * How long an event stream keeps a message (30 days), unless its definition says otherwise: the
 * reach of a replay, a rebuild and a redelivery, and so what every inbox must outlive
 * (docs/retention.md).
 */
export const eventStreamMaxAgeMs = 30 * 24 * 60 * 60 * 1000;

/** The max age `stream` is configured with, in ms (0: for ever). */
export function streamMaxAgeMs(stream: StreamDefinition): number {
  return stream.maxAgeMs ?? eventStreamMaxAgeMs;
}

const nanos = (ms: number) => ms * 1_000_000;

/**
 * Creates the stream, or updates it to this definition: safe for every instance to run at
 * start-up, in any order. With `update: false` (a consumer of a stream another service owns)
 * an existing stream is left as it is: only its owner's identity may change it on NATS.
 */
export async function ensureStream(
  nc: NatsConnection,
  stream: StreamDefinition,
  { update = true }: { update?: boolean } = {},
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const config = {
    name: stream.name,
    subjects: stream.subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: nanos(duplicateWindowMs),
    // An existing stream gets it at its owner's next start: older messages then go.
    max_age: nanos(streamMaxAgeMs(stream)),
  };
  try {
    await jsm.streams.info(stream.name);
    if (update) await jsm.streams.update(stream.name, config);
  } catch (error) {
    if (!isStreamNotFound(error)) throw error;
    try {
      await jsm.streams.add(config);
    } catch (raced) {
      // Another instance created it between our look and our add.
      if (!isStreamNameInUse(raced)) throw raced;
    }
  }
}
