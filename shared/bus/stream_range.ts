/**
 * A range of a stream, read through an ordered consumer of its own: no durable state, nobody's
 * position moves. From a sequence, a time, or the last few messages, optionally filtered by
 * subject, to a sequence or the stream's end when the read starts, or on and on (`follow`).
 * Replays and the operator's readers both read this way.
 */
import {
  type Consumer,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JsMsg,
  type OrderedConsumerOptions,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { ServiceError } from "../errors/mod.ts";
import { isStreamNotFound } from "./jetstream_errors.ts";
import { subjectWithin } from "./subject_subset.ts";

/**
 * Which messages of a stream to read: where to start (a sequence, a time, the last few, else the
 * first), where to stop, and which subject.
 */
export interface StreamRange {
  /** The stream's name, e.g. `ORDERS`. */
  stream: string;
  /** A subject or wildcard inside the stream. */
  subject?: string;
  /** The first stream sequence to read. */
  fromSeq?: number;
  /** Read from the first message stored at or after this time (ISO 8601). */
  fromTime?: string;
  /** The last `last` messages (before any filter) when no start is given. */
  last?: number;
  /** Up to and with this sequence; without it, the stream's end when the read starts. */
  toSeq?: number;
  /** Keep waiting for new messages after the end. */
  follow?: boolean;
  /** Stops the read when aborted. */
  signal?: AbortSignal;
}

/** A range opened for reading: where it ends, and its messages. */
export interface OpenRange {
  /** The last sequence the range can hold (Infinity when following). */
  end: number;
  /** The range's messages in order; leaving the loop early removes the consumer too. */
  messages: AsyncGenerator<JsMsg>;
}

/**
 * Opens `range` for reading with an ordered consumer of its own (no durable state). Throws
 * `ServiceError` `not_found` when the stream cannot be looked up (it does not exist).
 */
export async function openRange(nc: NatsConnection, range: StreamRange): Promise<OpenRange> {
  const jsm = await jetstreamManager(nc);
  const { state, config } = await jsm.streams.info(range.stream).catch((error: unknown) => {
    // NATS failing is not an answer about the stream: only the server's "not found" is.
    if (isStreamNotFound(error)) throw new ServiceError("not_found", `no stream ${range.stream}`);
    throw error;
  });
  const { subject } = range;
  if (subject && !config.subjects.some((pattern) => subjectWithin(subject, pattern))) {
    throw new ServiceError(
      "invalid",
      `${subject} is not a subject of ${range.stream} (${config.subjects.join(", ")})`,
    );
  }
  const end = range.follow ? Infinity : Math.min(range.toSeq ?? state.last_seq, state.last_seq);
  const empty = !range.follow && (state.messages === 0 || (range.fromSeq ?? 1) > end);
  return { end, messages: empty ? none() : read(nc, range, state.last_seq, end) };
}

async function* none(): AsyncGenerator<JsMsg> {}

async function* read(
  nc: NatsConnection,
  range: StreamRange,
  lastSeq: number,
  end: number,
): AsyncGenerator<JsMsg> {
  const consumer = await jetstream(nc).consumers.get(range.stream, startOf(range, lastSeq));
  try {
    for await (const message of deliveries(consumer, range)) {
      if (message.seq > end) return;
      yield message;
      if (!range.follow && (message.seq >= end || message.info.pending === 0)) return;
    }
  } finally {
    await consumer.delete().catch(() => {});
  }
}

/** Following: one endless consume. Otherwise batches, until one comes back empty. */
async function* deliveries(consumer: Consumer, range: StreamRange): AsyncGenerator<JsMsg> {
  if (range.follow) {
    const messages = await consumer.consume({ max_messages: 256 });
    range.signal?.addEventListener("abort", () => messages.stop());
    try {
      yield* messages;
    } finally {
      messages.stop();
    }
    return;
  }
  while (!range.signal?.aborted) {
    let got = 0;
    for await (const message of await consumer.fetch({ max_messages: 256, expires: 1_000 })) {
      got++;
      yield message;
    }
    // Without follow, an empty batch is the end (a filter may leave the last messages out).
    if (got === 0) return;
  }
}

function startOf(range: StreamRange, lastSeq: number): Partial<OrderedConsumerOptions> {
  const filter = range.subject ? { filter_subjects: range.subject } : {};
  if (range.fromSeq !== undefined) {
    return { ...filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: range.fromSeq };
  }
  if (range.fromTime !== undefined) {
    return { ...filter, deliver_policy: DeliverPolicy.StartTime, opt_start_time: range.fromTime };
  }
  if (range.last !== undefined) {
    const from = Math.max(1, lastSeq - range.last + 1);
    return { ...filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from };
  }
  return { ...filter, deliver_policy: DeliverPolicy.All };
}
