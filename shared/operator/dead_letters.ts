/**
 * The dead letters, for an operator: list and inspect them, re-drive them to the service that
 * gave up on them (after the cause is fixed), or discard one with a reason. A re-drive goes
 * through the service's inbox, so a letter whose event was applied meanwhile changes nothing.
 * A discard writes the event into that service's inbox first (so no replay applies it later)
 * and leaves a tombstone on the letter's subject (so it is never dead-lettered again).
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/nats-core";
import { rpcClient } from "../bus/mod.ts";
import { operationsApi, type RedriveResult } from "../contracts/mod.ts";
import { ServiceError } from "../errors/mod.ts";
import { deadLetterHeaders, deadLettersStream, deadLetterSubject } from "../events/mod.ts";
import type { Logger } from "../log/mod.ts";
import { recordAction, requireReason } from "./audit.ts";
import { readEntry, readStream, type StreamEntry } from "./stream_reader.ts";

/**
 * A dead letter as an operator sees it: its sequence in `DEADLETTERS`, when, whose, where the
 * original is, why, and the entry itself.
 */
export interface DeadLetter {
  /** Its sequence in the DEADLETTERS stream: how an operator names it. */
  seq: number;
  at: string;
  service: string;
  /** Where the original is: stream and sequence. */
  stream: string;
  streamSeq: number;
  subject: string;
  reason: string;
  /** The original's size in bytes, when recorded. */
  size: number | null;
  /** No copy: the original was too big, and is read from `stream`#`streamSeq` instead. */
  byReference: boolean;
  entry: StreamEntry;
}

/**
 * The dead letters in sequence order, of one service or of all, from `fromSeq` on; at most
 * `limit` of them (every one when absent: a re-drive of all), and no more once they add up to
 * `maxChars` characters of JSON (a letter holds a copy of up to 1 MiB).
 */
export async function listDeadLetters(
  nc: NatsConnection,
  filter: { service?: string; fromSeq?: number; limit?: number; maxChars?: number } = {},
): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  const subject = filter.service ? `deadletter.${filter.service}.>` : undefined;
  const exists = await jetstreamManager(nc).then((jsm) => jsm.streams.info(deadLettersStream.name))
    .then(() => true, () => false);
  if (!exists) return letters;
  const range = { stream: deadLettersStream.name, subject, fromSeq: filter.fromSeq };
  let chars = 0;
  for await (const entry of readStream(nc, range)) {
    if (letters.length >= (filter.limit ?? Infinity)) break;
    if (chars >= (filter.maxChars ?? Infinity)) break;
    if (isTombstone(entry)) continue;
    letters.push(deadLetterOf(entry));
    if (filter.maxChars) chars += JSON.stringify(entry).length;
  }
  return letters;
}

/**
 * The dead letter at sequence `seq` of `DEADLETTERS`. Throws `ServiceError` `not_found` when there
 * is none there, or only a tombstone (it was discarded).
 */
export async function showDeadLetter(nc: NatsConnection, seq: number): Promise<DeadLetter> {
  // Only "no such message" is no letter: NATS failing is not an answer about the letter.
  const entry = await readEntry(nc, deadLettersStream.name, seq).catch(orNullWhenNotFound);
  if (!entry || isTombstone(entry)) throw new ServiceError("not_found", `no dead letter ${seq}`);
  return deadLetterOf(entry);
}

/** `null` for a `not_found` ServiceError; any other error is thrown on. */
function orNullWhenNotFound(error: unknown): null {
  if (error instanceof ServiceError && error.kind === "not_found") return null;
  throw error;
}

/** A record that a letter was discarded: it keeps the letter's subject taken. */
const isTombstone = (entry: StreamEntry) => deadLetterHeaders.discarded in entry.headers;

/** The most letters one re-drive request names: `sequences` in redriveDeadLetters. */
const redriveBatch = 1000;

/**
 * Re-drives the named letters, or every letter (of one service, when `service` is given) when
 * `all` is true. Each service gets its own letters, at most 1,000 a request; what it applied or
 * found applied leaves the stream. Throws `invalid` when neither (or both) is given: "all" is
 * never what nothing means.
 */
export async function redriveDeadLetters(
  nc: NatsConnection,
  options: {
    sequences?: number[];
    all?: boolean;
    service?: string;
    actor: string;
    log: Logger;
  },
): Promise<RedriveResult[]> {
  const named = (options.sequences?.length ?? 0) > 0;
  if (named === (options.all === true)) {
    throw new ServiceError(
      "invalid",
      named ? "give sequences or all, not both" : "name the dead letters to re-drive, or all: true",
    );
  }
  const results: RedriveResult[] = [];
  let letters: DeadLetter[];
  if (named && options.sequences) {
    const found = await Promise.all(
      options.sequences.map((seq) =>
        showDeadLetter(nc, seq).catch((error) => orNullWhenNotFound(error) ?? seq)
      ),
    );
    letters = found.filter((letter) => typeof letter !== "number");
    for (const seq of found.filter((letter) => typeof letter === "number")) {
      results.push({ seq, outcome: "not_found", error: "no such dead letter" });
    }
  } else letters = await listDeadLetters(nc, { service: options.service });
  const byService = Map.groupBy(letters, (letter) => letter.service);
  for (const [service, letters] of byService) {
    const client = rpcClient(nc, operationsApi(service), { timeoutMs: 60_000 });
    // A request names at most `redriveBatch` letters (the contract's bound): more go in batches.
    for (let first = 0; first < letters.length; first += redriveBatch) {
      const own = letters.slice(first, first + redriveBatch);
      const { results: answered } = await client.redriveDeadLetters({
        sequences: own.map((letter) => letter.seq),
      });
      for (const result of answered) {
        const letter = own.find((l) => l.seq === result.seq)!;
        await recordAction(nc, options.log, {
          actor: options.actor,
          action: "deadletter.redrive",
          target: `DEADLETTERS#${result.seq} (${service}: ${letter.stream}#${letter.streamSeq})`,
          outcome: result.error ? `${result.outcome}: ${result.error}` : result.outcome,
        });
      }
      results.push(...answered);
    }
  }
  return results.sort((a, b) => a.seq - b.seq);
}

/**
 * Discards the dead letter `seq` for good, after checking `reason` (`invalid` when it is no
 * reason): marks its event handled in the owning service's inbox (so no replay applies it), leaves
 * a tombstone on its subject (so it is never recorded again), deletes it from `DEADLETTERS` and
 * records the action in `AUDIT`. Resolves to the letter as it was. Throws `not_found` as
 * `showDeadLetter` does, and what the owning service or NATS throws.
 */
export async function discardDeadLetter(
  nc: NatsConnection,
  options: { seq: number; reason: string; actor: string; log: Logger },
): Promise<DeadLetter> {
  requireReason(options.reason); // before the action: a reason the audit keeps as given
  const letter = await showDeadLetter(nc, options.seq);
  // The event is marked handled where it failed, so that no replay applies it later.
  const event = letter.entry.event ??
    (letter.byReference
      ? (await readEntry(nc, letter.stream, letter.streamSeq).catch(() => null))?.event
      : undefined);
  if (event) {
    await rpcClient(nc, operationsApi(letter.service), { timeoutMs: 10_000 }).markHandled({
      events: [{
        id: event.id,
        type: event.type,
        ...(letter.stream !== "?" ? { stream: letter.stream } : {}),
        ...(letter.streamSeq > 0 ? { streamSeq: letter.streamSeq } : {}),
      }],
    });
  }
  const jsm = await jetstreamManager(nc);
  // A tombstone on the letter's own subject: the consumer finds it and never records it again.
  if (letter.entry.subject === deadLetterSubject(letter.service, letter.stream, letter.streamSeq)) {
    const h = headers();
    for (const [key, value] of Object.entries(letter.entry.headers)) {
      if (key.startsWith("Dead-Letter-")) h.set(key, value);
    }
    h.set(deadLetterHeaders.discarded, options.reason.replace(/\s+/g, " ").slice(0, 500));
    await jetstream(nc).publish(letter.entry.subject, new Uint8Array(), { headers: h });
  }
  await jsm.streams.deleteMessage(deadLettersStream.name, options.seq);
  await recordAction(nc, options.log, {
    actor: options.actor,
    action: "deadletter.discard",
    target: `DEADLETTERS#${letter.seq} (${letter.service}: ${letter.stream}#${letter.streamSeq})`,
    reason: options.reason,
    outcome: "discarded",
  });
  return letter;
}

function deadLetterOf(entry: StreamEntry): DeadLetter {
  const h = entry.headers;
  return {
    seq: entry.seq,
    at: entry.time,
    service: h[deadLetterHeaders.service] ?? "?",
    stream: h[deadLetterHeaders.stream] ?? "?",
    streamSeq: Number(h[deadLetterHeaders.sequence] ?? 0),
    subject: h[deadLetterHeaders.subject] ?? entry.subject,
    reason: h[deadLetterHeaders.reason] ?? "",
    size: h[deadLetterHeaders.size] ? Number(h[deadLetterHeaders.size]) : null,
    byReference: h[deadLetterHeaders.byReference] === "true",
    entry,
  };
}
