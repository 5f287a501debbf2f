import { jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { StreamDefinition } from "../contracts/mod.ts";
import { isStreamNameInUse, isStreamNotFound } from "./jetstream_errors.ts";

/** How long the stream remembers a `Nats-Msg-Id` to drop a re-publish. */
export const duplicateWindowMs = 2 * 60 * 1000;

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
