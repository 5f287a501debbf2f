/**
 * What a stream no longer holds. A stream numbers its messages 1, 2, 3, … and never reuses a
 * number: the ones below its first held sequence, and the gaps after it, aged out (its max age) or
 * were deleted. A replay "from the start" starts at the first one held, so whatever the others made
 * cannot be made again.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { MissingEvents } from "../contracts/mod.ts";
import { isStreamNotFound } from "./jetstream_errors.ts";

/** What a stream's state says of the sequences it ever stored (a JetStream `StreamState`). */
export interface HeldRange {
  first_seq: number;
  last_seq: number;
  messages: number;
}

/**
 * The events `stream` no longer holds, from its state and its max age in ns (NATS' unit); null when
 * it holds every event it ever stored (an empty stream that never stored one included). Pure.
 */
export function missingFrom(
  stream: string,
  state: HeldRange,
  maxAgeNs: number,
): MissingEvents | null {
  const missing = state.last_seq - state.messages;
  if (missing <= 0) return null;
  return {
    stream,
    firstSeq: state.messages === 0 ? state.last_seq + 1 : state.first_seq,
    lastSeq: state.last_seq,
    held: state.messages,
    missing,
    maxAgeMs: maxAgeNs / 1e6,
  };
}

/**
 * The events `stream` no longer holds (see `missingFrom`), as the server says now; null when it
 * holds them all or does not exist. Throws what the JetStream API throws otherwise.
 */
export async function missingEventsOf(
  nc: NatsConnection,
  stream: string,
): Promise<MissingEvents | null> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream).catch((error) => {
    if (isStreamNotFound(error)) return null;
    throw error;
  });
  return info ? missingFrom(stream, info.state, info.config.max_age) : null;
}

/**
 * `missing` in a few words, for people and the audit: `ORDERS holds #5..#12 of its 12 events:
 * 4 missing (older than its max age, 30 d, or deleted)`.
 */
export function describeMissing(missing: MissingEvents): string {
  const held = missing.held === 0 ? "none" : `#${missing.firstSeq}..#${missing.lastSeq}` +
    (missing.held < missing.lastSeq - missing.firstSeq + 1 ? ` (with gaps)` : "");
  const age = missing.maxAgeMs === 0
    ? "it keeps events for ever"
    : `its max age is ${+(missing.maxAgeMs / 86_400_000).toFixed(2)} d`;
  return `${missing.stream} holds ${held} of its ${missing.lastSeq} events: ${missing.missing} ` +
    `missing (aged out or deleted; ${age})`;
}
