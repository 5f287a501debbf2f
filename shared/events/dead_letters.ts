/**
 * Where a message goes when it cannot be handled: it fails validation, or it failed every
 * delivery allowed. Copied with why and where from, then terminated, so it never blocks the
 * messages behind it and can be inspected and re-driven later.
 *
 * Each dead letter has a subject of its own, `deadletter.<consumer>.<stream>.<seq>`, so it is
 * recorded once for good: before writing one, the stream is asked for the last message on that
 * subject (`last_by_subj`), which outlives the two-minute duplicate window. A letter an
 * operator discarded leaves a tombstone on its subject (see `deadLetterHeaders.discarded`).
 */
import { headers, type NatsConnection } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { StreamDefinition } from "../contracts/mod.ts";
import { ensureStream, isStreamNotFound } from "../bus/mod.ts";

/**
 * The stream of every service's dead letters, `deadletter.<service>.<stream>.<seq>`, each kept 30
 * days (as long as the events they copy): an operator re-drives or discards it within that time.
 */
export const deadLettersStream: StreamDefinition = {
  name: "DEADLETTERS",
  subjects: ["deadletter.>"],
  maxAgeMs: 30 * 24 * 60 * 60 * 1000,
};

/** The headers a dead letter carries: who gave up on which message, where it came from, and why. */
export const deadLetterHeaders = {
  /** The consumer (the service) that gave up on the message. */
  service: "Dead-Letter-Service",
  /** The stream the original was read from. */
  stream: "Dead-Letter-Stream",
  /** Its sequence in that stream. */
  sequence: "Dead-Letter-Sequence",
  /** Its subject. */
  subject: "Dead-Letter-Subject",
  /** Why it was given up on, one line of at most 1000 characters. */
  reason: "Dead-Letter-Reason",
  /** The original's size in bytes. */
  size: "Dead-Letter-Size",
  /**
   * "true" when the letter holds no copy: the original (with its headers) was too big to copy
   * under the server's max_payload, so it is named by stream and sequence instead.
   */
  byReference: "Dead-Letter-By-Reference",
  /** On a tombstone: the reason an operator gave for discarding the letter. */
  discarded: "Dead-Letter-Discarded",
} as const;

/** The one subject of the dead letter of `stream`#`seq` for `consumer`. */
export function deadLetterSubject(consumer: string, stream: string, seq: number): string {
  return `deadletter.${consumer}.${stream}.${seq}`;
}

/** What a dead-lettered message offers: its subject, bytes, headers and where it was read. */
export interface DeadMessage {
  subject: string;
  data: Uint8Array;
  headers?: { get(key: string): string };
  info: { stream: string; streamSequence: number };
}

/** nats-server's default max_payload (1 MiB), when the connection does not say. */
const defaultMaxPayload = 1024 * 1024;
/** Room kept for the protocol line, the dead letter's own headers and `Nats-Msg-Id`. */
const headerRoom = 4096;

/**
 * Records `message` as a dead letter of `service`, once: answers "already" when its subject
 * holds a letter (or a tombstone) from before, "copied" or "by_reference" when written now.
 * Throws when NATS refused it (the caller lets the server redeliver the message, so it is
 * never dropped without a record).
 */
export async function sendToDeadLetters(
  nc: NatsConnection,
  service: string,
  message: DeadMessage,
  reason: string,
): Promise<"already" | "copied" | "by_reference"> {
  const { stream, streamSequence } = message.info;
  const subject = deadLetterSubject(service, stream, streamSequence);
  const jsm = await jetstreamManager(nc);
  const existing = await jsm.streams.getMessage(deadLettersStream.name, { last_by_subj: subject })
    .catch(async (error) => {
      // The stream itself is gone (a server that lost its store): make it again.
      if (!isStreamNotFound(error)) throw error;
      await ensureStream(nc, deadLettersStream, { update: false });
      return null;
    });
  if (existing) return "already";

  const h = headers();
  h.set(deadLetterHeaders.service, service);
  h.set(deadLetterHeaders.stream, stream);
  h.set(deadLetterHeaders.sequence, String(streamSequence));
  h.set(deadLetterHeaders.subject, message.subject);
  h.set(deadLetterHeaders.size, String(message.data.length));
  // Header values are one line.
  h.set(deadLetterHeaders.reason, reason.replace(/\s+/g, " ").slice(0, 1000));
  // The dead letter stays in the trace of the message it copies.
  const traceparent = message.headers?.get("traceparent");
  if (traceparent) h.set("traceparent", traceparent);
  const maxPayload = nc.info?.max_payload ?? defaultMaxPayload;
  const byReference = message.data.length + headerRoom > maxPayload;
  if (byReference) h.set(deadLetterHeaders.byReference, "true");
  await jetstream(nc).publish(subject, byReference ? new Uint8Array() : message.data, {
    headers: h,
    // Two instances giving up on the same message at once: the stream keeps one.
    msgID: `${service}:${stream}:${streamSequence}`,
  });
  return byReference ? "by_reference" : "copied";
}
