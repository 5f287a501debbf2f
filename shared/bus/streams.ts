import {
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamInfo,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { StreamDefinition } from "../contracts/mod.ts";
import { isStreamNameInUse, isStreamNotFound, isTooFewServers } from "./jetstream_errors.ts";
import type { Logger } from "../log/mod.ts";
import {
  clusterShortOfServers,
  pinnedStreamReplicas,
  serversUp,
  streamReplicas,
} from "./replicas.ts";

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
 *
 * Its replicas are `streamReplicas(nc)` (./replicas.ts): an update raises an existing stream's
 * to that (an R1 stream becomes R3 once the cluster has three servers) and lowers them only when
 * pinned. When too few servers are up for that many, it keeps (or is made with) what they hold,
 * and grows at a later start. Throws what the server answers otherwise.
 */
export async function ensureStream(
  nc: NatsConnection,
  stream: StreamDefinition,
  { update = true, log }: { update?: boolean; log?: Pick<Logger, "warn"> } = {},
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
  const replicas = streamReplicas(nc);
  let existing: StreamInfo;
  try {
    existing = await jsm.streams.info(stream.name);
  } catch (error) {
    if (!isStreamNotFound(error)) throw error;
    if (pinnedStreamReplicas(nc) === undefined && clusterShortOfServers(nc)) {
      log?.warn(
        "a cluster with servers down: the stream is made with one copy until its next start",
        {
          stream: stream.name,
          serversUp: serversUp(nc),
        },
      );
    }
    try {
      await withFewerIfNeeded(
        replicas,
        (n) => jsm.streams.add({ ...config, num_replicas: n }),
        fewerOf(nc, stream.name, log),
      );
    } catch (raced) {
      // Another instance created it between our look and our add.
      if (!isStreamNameInUse(raced)) throw raced;
    }
    return;
  }
  if (!update) return;
  const now = existing.config.num_replicas;
  const wanted = pinnedStreamReplicas(nc) ?? Math.max(now, replicas);
  await withFewerIfNeeded(
    wanted,
    (n) => jsm.streams.update(stream.name, { ...config, num_replicas: n }),
    fewerOf(nc, stream.name, log, now),
  );
}

/**
 * What a stream gets when the servers up cannot hold the replicas wanted: as many as they are
 * (never below `floor`), said in the log, since the stream keeps fewer copies until its owner's
 * next start finds the cluster whole.
 */
function fewerOf(
  nc: NatsConnection,
  name: string,
  log: Pick<Logger, "warn"> | undefined,
  floor = 1,
): (wanted: number) => number {
  return (wanted) => {
    const fewer = Math.max(floor, Math.min(wanted - 1, serversUp(nc)));
    log?.warn("too few NATS servers up for the stream's replicas: fewer until the next start", {
      stream: name,
      wanted,
      replicas: fewer,
    });
    return fewer;
  };
}

/**
 * Runs `change` with `replicas`; when the servers answer that too few of them are up for that
 * many, runs it again with `fallback` (default 1) instead of failing the start.
 */
async function withFewerIfNeeded<T>(
  replicas: number,
  change: (replicas: number) => Promise<T>,
  fewer: (wanted: number) => number,
): Promise<T> {
  try {
    return await change(replicas);
  } catch (error) {
    if (!isTooFewServers(error)) throw error;
    const fallback = fewer(replicas);
    if (fallback >= replicas) throw error;
    try {
      return await change(fallback);
    } catch (again) {
      // Fewer still up than the server announced: one copy is what a single server holds.
      if (fallback <= 1 || !isTooFewServers(again)) throw again;
      return await change(1);
    }
  }
}
