/**
 * Reads a stream for a person: a range by sequence or time, with a subject filter, through an
 * ordered consumer of its own (no durable state, nobody's position moves), optionally
 * following new messages as they come.
 */
import {
  type Consumer,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JsMsg,
  type OrderedConsumerOptions,
} from "@nats-io/jetstream";
import type { MsgHdrs, NatsConnection } from "@nats-io/nats-core";
import { type Envelope, envelope } from "../contracts/mod.ts";
import { ServiceError } from "../errors/mod.ts";

export interface StreamQuery {
  stream: string;
  /** A subject or wildcard inside the stream. */
  subject?: string;
  fromSeq?: number;
  fromTime?: string;
  /** The last `last` messages (before any filter) when no start is given. */
  last?: number;
  toSeq?: number;
  /** At most this many messages. */
  limit?: number;
  /** Keep waiting for new messages after the end. */
  follow?: boolean;
  signal?: AbortSignal;
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

/** The stream that holds `subject`, or the stream named so. */
export async function resolveStream(nc: NatsConnection, nameOrSubject: string): Promise<string> {
  const jsm = await jetstreamManager(nc);
  if (/^[A-Z0-9_-]+$/.test(nameOrSubject)) {
    await jsm.streams.info(nameOrSubject).catch(() => {
      throw new ServiceError("not_found", `no stream ${nameOrSubject}`);
    });
    return nameOrSubject;
  }
  return await jsm.streams.find(nameOrSubject).catch(() => {
    throw new ServiceError("not_found", `no stream holds ${nameOrSubject}`);
  });
}

export async function* readStream(
  nc: NatsConnection,
  query: StreamQuery,
): AsyncGenerator<StreamEntry> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(query.stream).catch(() => {
    throw new ServiceError("not_found", `no stream ${query.stream}`);
  });
  const end = query.follow ? Infinity : Math.min(query.toSeq ?? state.last_seq, state.last_seq);
  if (!query.follow && (state.messages === 0 || (query.fromSeq ?? 1) > end)) return;

  const consumer = await jetstream(nc).consumers.get(query.stream, startOf(query, state.last_seq));
  const limit = query.limit ?? Infinity;
  let count = 0;
  try {
    for await (const message of deliveries(consumer, query)) {
      if (message.seq > end) break;
      yield entryOf(query.stream, message.seq, message.timestamp, message);
      count++;
      if (count >= limit) break;
      if (!query.follow && (message.seq >= end || message.info.pending === 0)) break;
    }
  } finally {
    await consumer.delete().catch(() => {});
  }
}

/** Following: one endless consume. Otherwise batches, until one comes back empty. */
async function* deliveries(consumer: Consumer, query: StreamQuery): AsyncGenerator<JsMsg> {
  if (query.follow) {
    const messages = await consumer.consume({ max_messages: 256 });
    query.signal?.addEventListener("abort", () => messages.stop());
    try {
      yield* messages;
    } finally {
      messages.stop();
    }
    return;
  }
  while (!query.signal?.aborted) {
    let got = 0;
    for await (const message of await consumer.fetch({ max_messages: 256, expires: 1_000 })) {
      got++;
      yield message;
    }
    if (got === 0) return;
  }
}

/** One message by sequence. */
export async function readEntry(
  nc: NatsConnection,
  stream: string,
  seq: number,
): Promise<StreamEntry> {
  const jsm = await jetstreamManager(nc);
  const message = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
  if (!message) throw new ServiceError("not_found", `${stream} has no message ${seq}`);
  return entryOf(stream, seq, message.time.toISOString(), {
    subject: message.subject,
    headers: message.header,
    data: message.data,
  });
}

function startOf(query: StreamQuery, lastSeq: number): Partial<OrderedConsumerOptions> {
  const filter = query.subject ? { filter_subjects: query.subject } : {};
  if (query.fromSeq !== undefined) {
    return { ...filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: query.fromSeq };
  }
  if (query.fromTime !== undefined) {
    return { ...filter, deliver_policy: DeliverPolicy.StartTime, opt_start_time: query.fromTime };
  }
  if (query.last !== undefined) {
    const from = Math.max(1, lastSeq - query.last + 1);
    return { ...filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from };
  }
  return { ...filter, deliver_policy: DeliverPolicy.All };
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
