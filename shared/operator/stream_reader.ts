/**
 * Reads a stream for a person: a range of it (see bus/stream_range.ts), each message with its
 * envelope decoded when it holds one, or one message by sequence.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import type { MsgHdrs, NatsConnection } from "@nats-io/nats-core";
import { isStreamNotFound, openRange, type StreamRange } from "../bus/mod.ts";
import {
  type Envelope,
  envelope,
  isSubject,
  maxSubjectLength,
  streamName,
} from "../contracts/mod.ts";
import { ServiceError } from "../errors/mod.ts";

/** A range of a stream to read (`StreamRange`), with a cap on the messages. */
export interface StreamQuery extends StreamRange {
  /** At most this many messages. */
  limit?: number;
}

/** One message of a stream, with its envelope when it holds one. */
export interface StreamEntry {
  stream: string;
  seq: number;
  time: string;
  subject: string;
  headers: Record<string, string>;
  event?: Envelope;
  /** The payload as text when it is not an event. */
  raw?: string;
}

/**
 * The stream that holds `subject`, or the stream named so. Throws ServiceError `invalid` when
 * `nameOrSubject` is neither a name nor a NATS subject (see contracts' `isSubject`: the server
 * would time out or throw on it) or when its subjects span several streams (`>`), `not_found`
 * when no stream has that name or holds it; JetStream's own failures as they come (the gateway
 * answers them 503).
 */
export async function resolveStream(nc: NatsConnection, nameOrSubject: string): Promise<string> {
  if (!isSubject(nameOrSubject)) {
    throw new ServiceError(
      "invalid",
      `not a stream's name or a NATS subject: at most ${maxSubjectLength} characters of ` +
        "dot-separated tokens, none empty, no spaces; * and > only as whole tokens, > last",
    );
  }
  const jsm = await jetstreamManager(nc);
  if (streamName.safeParse(nameOrSubject).success) {
    await jsm.streams.info(nameOrSubject).catch((error: unknown) => {
      throw isStreamNotFound(error)
        ? new ServiceError("not_found", `no stream ${nameOrSubject}`)
        : error;
    });
    return nameOrSubject;
  }
  const holders: string[] = [];
  for await (const name of jsm.streams.names(nameOrSubject)) holders.push(name);
  if (holders.length === 0) throw new ServiceError("not_found", `no stream holds ${nameOrSubject}`);
  if (holders.length > 1) {
    throw new ServiceError(
      "invalid",
      `${nameOrSubject} spans several streams (${holders.sort().join(", ")}): name one of them, ` +
        "or a subject inside one",
    );
  }
  return holders[0];
}

/**
 * The messages of `query`'s range in order, each as a `StreamEntry`, at most `limit`. Throws
 * `not_found` when the stream does not exist.
 */
export async function* readStream(
  nc: NatsConnection,
  query: StreamQuery,
): AsyncGenerator<StreamEntry> {
  const { messages } = await openRange(nc, query);
  let count = 0;
  for await (const message of messages) {
    yield entryOf(query.stream, message.seq, message.timestamp, message);
    if (++count >= (query.limit ?? Infinity)) return;
  }
}

/**
 * One message by sequence. Throws ServiceError `not_found` when there is none, or when `stream`
 * is not a stream's name at all (asked for, a long one would wait out the request's timeout).
 */
export async function readEntry(
  nc: NatsConnection,
  stream: string,
  seq: number,
): Promise<StreamEntry> {
  if (!streamName.safeParse(stream).success) {
    throw new ServiceError("not_found", "no such stream: a stream's name is one word, as ORDERS");
  }
  const jsm = await jetstreamManager(nc);
  // No such message is null; no such stream, an error; anything else is JetStream failing.
  const message = await jsm.streams.getMessage(stream, { seq }).catch((error: unknown) => {
    if (isStreamNotFound(error)) return null;
    throw error;
  });
  if (!message) throw new ServiceError("not_found", `${stream} has no message ${seq}`);
  return entryOf(stream, seq, message.time.toISOString(), {
    subject: message.subject,
    headers: message.header,
    data: message.data,
  });
}

function entryOf(
  stream: string,
  seq: number,
  time: string,
  message: { subject: string; headers?: MsgHdrs; data: Uint8Array },
): StreamEntry {
  const text = new TextDecoder().decode(message.data);
  const headers: Record<string, string> = {};
  for (const key of message.headers?.keys() ?? []) headers[key] = message.headers!.get(key);
  const parsed = envelope.safeParse(safeParse(text));
  return {
    stream,
    seq,
    time,
    subject: message.subject,
    headers,
    ...(parsed.success ? { event: parsed.data } : { raw: text }),
  };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
