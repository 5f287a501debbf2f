/**
 * The streams' max ages as NATS holds them, against the kit's figures (shared/bus/streams.ts), and
 * the operator's action that sets the kit's figure where it differs. An event stream is its
 * publisher's: the owning service sets its configuration each time it starts. The dead letters and
 * the audit are nobody's but the operator's: no service may update them, so a DEADLETTERS made
 * before max ages existed keeps its messages for ever (and every inbox purge is skipped, see
 * docs/retention.md) until the operator sets it here.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { isStreamNotFound, streamMaxAgeMs } from "../bus/mod.ts";
import { auditStream, type StreamDefinition } from "../contracts/mod.ts";
import { deadLettersStream } from "../events/mod.ts";
import type { Logger } from "../log/mod.ts";
import { recordAction } from "./audit.ts";

/** Who sets a stream's configuration when it is not its publisher: the operator. */
export const setByOperator = "operator";

/** An event stream of the platform and the service that publishes it (and configures it). */
export interface PublishedStream {
  stream: StreamDefinition;
  owner: string;
}

/**
 * One stream's max age, in ms (0: for ever): as NATS holds it (`held`, null when the stream does
 * not exist yet: whoever makes it first makes it with the kit's), as the kit configures it
 * (`kit`), who sets it (`setBy`: the owning service, or `operator`), how many messages it holds
 * and when the oldest was stored (ISO 8601; null when it holds none), which a shorter max age
 * may remove at once.
 */
export interface StreamRetention {
  stream: string;
  setBy: string;
  heldMaxAgeMs: number | null;
  kitMaxAgeMs: number;
  state: "ok" | "differs" | "absent";
  messages: number;
  oldest: string | null;
}

/** A stream whose max age `applyStreamRetention` set: the row as it was, and the age now. */
export interface RetentionSet extends StreamRetention {
  setToMs: number;
}

/**
 * The max age of each of `published` and of the kit's own streams (DEADLETTERS, AUDIT), held
 * against the kit's figure, in that order. Throws what the JetStream API throws (not for a stream
 * that does not exist: `absent`).
 */
export async function streamRetention(
  nc: NatsConnection,
  published: readonly PublishedStream[],
): Promise<StreamRetention[]> {
  const jsm = await jetstreamManager(nc);
  const streams = [
    ...published.map(({ stream, owner }) => ({ stream, setBy: owner })),
    { stream: deadLettersStream, setBy: setByOperator },
    { stream: auditStream, setBy: setByOperator },
  ];
  return await Promise.all(streams.map(async ({ stream, setBy }) => {
    const kitMaxAgeMs = streamMaxAgeMs(stream);
    const info = await jsm.streams.info(stream.name).catch((error) => {
      if (isStreamNotFound(error)) return null;
      throw error;
    });
    if (!info) {
      const row = { heldMaxAgeMs: null, state: "absent", messages: 0, oldest: null } as const;
      return { stream: stream.name, setBy, kitMaxAgeMs, ...row };
    }
    const heldMaxAgeMs = info.config.max_age / 1e6;
    const first = info.state.messages > 0
      ? await jsm.streams.getMessage(stream.name, { seq: info.state.first_seq }).catch(() => null)
      : null;
    return {
      stream: stream.name,
      setBy,
      heldMaxAgeMs,
      kitMaxAgeMs,
      state: heldMaxAgeMs === kitMaxAgeMs ? "ok" : "differs",
      messages: info.state.messages,
      oldest: first ? first.time.toISOString() : null,
    };
  }));
}

/**
 * Sets the kit's max age on each stream the operator configures (DEADLETTERS, AUDIT) whose max
 * age differs, changing nothing else of its configuration, and records each in `AUDIT` (action
 * `stream.retention`). An event stream that differs is left to its owner, which sets it when it
 * next starts. A shorter max age makes NATS remove the older messages at once. Resolves to the
 * streams as they were and those set. Throws what the JetStream API throws (a stream set before
 * the failure stays set and recorded).
 */
export async function applyStreamRetention(
  nc: NatsConnection,
  request: { published: readonly PublishedStream[]; actor: string; log: Logger },
): Promise<{ streams: StreamRetention[]; set: RetentionSet[] }> {
  const streams = await streamRetention(nc, request.published);
  const jsm = await jetstreamManager(nc);
  const set: RetentionSet[] = [];
  for (const row of streams) {
    if (row.state !== "differs" || row.setBy !== setByOperator) continue;
    const setTo = row.kitMaxAgeMs;
    await jsm.streams.update(row.stream, { max_age: setTo * 1_000_000 });
    set.push({ ...row, setToMs: setTo });
    await recordAction(nc, request.log, {
      actor: request.actor,
      action: "stream.retention",
      target: row.stream,
      outcome: `max age ${describeMaxAge(row.heldMaxAgeMs!)} → ${describeMaxAge(setTo)} ` +
        `(the kit's); it held ${row.messages} message${row.messages === 1 ? "" : "s"}` +
        (row.oldest ? `, the oldest from ${row.oldest}` : ""),
    });
  }
  return { streams, set };
}

/** A max age in ms for people: `30 d`, `2.5 h`, `for ever` (0). */
export function describeMaxAge(ms: number): string {
  if (ms === 0) return "for ever";
  const units = [["d", 86_400_000], ["h", 3_600_000], ["min", 60_000], ["s", 1_000]] as const;
  const [unit, size] = units.find(([, size]) => ms >= size) ?? ["ms", 1];
  return `${+(ms / size).toFixed(2)} ${unit}`;
}
