/**
 * The rule an inbox's retention obeys: an inbox row outlives anything a replay, a redelivery or a
 * re-drive could bring back, so a purged row can never let an event be applied twice
 * (docs/retention.md has the reasoning and the figures).
 */
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { duplicateWindowMs, isStreamNotFound, streamMaxAgeMs } from "../bus/mod.ts";
import type { StreamDefinition } from "../contracts/mod.ts";
import { ConfigError } from "../config/mod.ts";
import { deadLettersStream } from "./dead_letters.ts";

const hour = 60 * 60 * 1000;

/**
 * How much later than its first copy a second copy of an event may be stored (1 day): the relay
 * re-publishes a row it published but could not mark once its service is back, and a re-publish
 * after the duplicate window is a new message with a stream life of its own.
 */
export const republishAllowanceMs = 24 * hour;

/** Clocks differ: NATS times a message's age, Postgres an inbox row's (1 hour). */
export const clockSkewAllowanceMs = hour;

/** What can bring an event back, in ms; a max age of 0 (kept for ever) brings it back for ever. */
export interface RedeliveryHorizon {
  /** The max age of each stream the service reacts to. */
  streamMaxAgesMs: number[];
  /** The longest duplicate window among them. */
  duplicateWindowMs: number;
  /** The dead-letter stream's max age: a letter can be re-driven that long. */
  deadLetterMaxAgeMs: number;
}

/**
 * The shortest inbox retention `horizon` allows, in ms: max(stream max age + re-publish allowance,
 * dead-letter max age, duplicate window) + clock skew allowance. Infinity when a stream or the
 * dead letters are kept for ever (max age 0): then no inbox row may go.
 */
export function inboxRetentionFloorMs(horizon: RedeliveryHorizon): number {
  const forever = (ms: number) => (ms === 0 ? Infinity : ms);
  const streams = Math.max(0, ...horizon.streamMaxAgesMs.map(forever)) + republishAllowanceMs;
  return Math.max(streams, forever(horizon.deadLetterMaxAgeMs), horizon.duplicateWindowMs) +
    clockSkewAllowanceMs;
}

/** The horizon the kit configures for `streams`: their max ages, its window, its dead letters. */
export function configuredHorizon(streams: readonly StreamDefinition[]): RedeliveryHorizon {
  return {
    streamMaxAgesMs: streams.map(streamMaxAgeMs),
    duplicateWindowMs,
    deadLetterMaxAgeMs: streamMaxAgeMs(deadLettersStream),
  };
}

/**
 * The horizon as the server holds it now (an operator may have changed a stream, an existing
 * deployment may not have the max ages yet). A stream not found counts as the kit configures it
 * (it will be made so). Throws what the server answers otherwise.
 */
export async function serverHorizon(
  nc: NatsConnection,
  streams: readonly StreamDefinition[],
): Promise<RedeliveryHorizon> {
  const jsm = await jetstreamManager(nc);
  const configOf = (stream: StreamDefinition) =>
    jsm.streams.info(stream.name).then(
      (info) => ({
        maxAgeMs: info.config.max_age / 1e6,
        windowMs: info.config.duplicate_window / 1e6,
      }),
      (error) => {
        if (!isStreamNotFound(error)) throw error;
        return { maxAgeMs: streamMaxAgeMs(stream), windowMs: duplicateWindowMs };
      },
    );
  const [deadLetters, ...read] = await Promise.all(
    [deadLettersStream, ...streams].map(configOf),
  );
  return {
    streamMaxAgesMs: read.map((s) => s.maxAgeMs),
    duplicateWindowMs: Math.max(0, ...read.map((s) => s.windowMs)),
    deadLetterMaxAgeMs: deadLetters.maxAgeMs,
  };
}

/**
 * Throws ConfigError naming INBOX_RETENTION_MS when `retentionMs` is shorter than `horizon`
 * allows (`inboxRetentionFloorMs`): a service so configured refuses to start.
 */
export function checkInboxRetention(retentionMs: number, horizon: RedeliveryHorizon): void {
  const floor = inboxRetentionFloorMs(horizon);
  if (retentionMs >= floor) return;
  const days = (ms: number) => `${+(ms / (24 * hour)).toFixed(2)} d`;
  throw new ConfigError(
    `config: INBOX_RETENTION_MS (${retentionMs} ms, ${days(retentionMs)}) must be at least ` +
      `${floor} ms (${days(floor)}): an inbox row must outlive the streams' max age ` +
      `(${horizon.streamMaxAgesMs.map(days).join(", ")}) plus ${days(republishAllowanceMs)}, the ` +
      `dead letters' (${days(horizon.deadLetterMaxAgeMs)}) and the duplicate window ` +
      `(${horizon.duplicateWindowMs} ms), plus ${clockSkewAllowanceMs} ms of clock skew ` +
      `(docs/retention.md)`,
  );
}
