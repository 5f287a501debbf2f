/**
 * The dead letters, for an operator: list and inspect them, re-drive them to the service that
 * gave up on them (after the cause is fixed), or discard one with a reason. A re-drive goes
 * through the service's inbox, so a letter whose event was applied meanwhile changes nothing.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { rpcClient } from "../bus/mod.ts";
import { opsApi, type RedriveResult } from "../contracts/mod.ts";
import { ServiceError } from "../errors/mod.ts";
import { deadLetterHeaders, deadLettersStream } from "../events/mod.ts";
import type { Logger } from "../log/mod.ts";
import { recordAction } from "./audit.ts";
import { readEntry, readStream, type StreamEntry } from "./stream_reader.ts";

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
  entry: StreamEntry;
}

/**
 * The dead letters in sequence order, of one service or of all, from `fromSeq` on; at most
 * `limit` of them (every one when absent: a re-drive of all).
 */
export async function listDeadLetters(
  nc: NatsConnection,
  filter: { service?: string; fromSeq?: number; limit?: number } = {},
): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  const subject = filter.service ? `deadletter.${filter.service}.>` : undefined;
  const exists = await jetstreamManager(nc).then((jsm) => jsm.streams.info(deadLettersStream.name))
    .then(() => true, () => false);
  if (!exists) return letters;
  const range = { stream: deadLettersStream.name, subject, fromSeq: filter.fromSeq };
  for await (const entry of readStream(nc, range)) {
    if (letters.length >= (filter.limit ?? Infinity)) break;
    letters.push(deadLetterOf(entry));
  }
  return letters;
}

export async function showDeadLetter(nc: NatsConnection, seq: number): Promise<DeadLetter> {
  return deadLetterOf(
    await readEntry(nc, deadLettersStream.name, seq).catch(() => {
      throw new ServiceError("not_found", `no dead letter ${seq}`);
    }),
  );
}

/**
 * Re-drives the named letters, or all (of one service) when none are named. Each service gets
 * its own letters; what it applied or found applied leaves the stream.
 */
export async function redriveDeadLetters(
  nc: NatsConnection,
  options: { sequences?: number[]; service?: string; actor: string; log: Logger },
): Promise<RedriveResult[]> {
  const results: RedriveResult[] = [];
  let letters: DeadLetter[];
  if (options.sequences?.length) {
    const found = await Promise.all(
      options.sequences.map((seq) => showDeadLetter(nc, seq).catch(() => seq)),
    );
    letters = found.filter((letter) => typeof letter !== "number");
    for (const seq of found.filter((letter) => typeof letter === "number")) {
      results.push({ seq, outcome: "not_found", error: "no such dead letter" });
    }
  } else letters = await listDeadLetters(nc, { service: options.service });
  const byService = Map.groupBy(letters, (letter) => letter.service);
  for (const [service, own] of byService) {
    const client = rpcClient(nc, opsApi(service), { timeoutMs: 60_000 });
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
  return results.sort((a, b) => a.seq - b.seq);
}

export async function discardDeadLetter(
  nc: NatsConnection,
  options: { seq: number; reason: string; actor: string; log: Logger },
): Promise<DeadLetter> {
  if (!options.reason.trim()) throw new ServiceError("invalid", "a discard needs a reason");
  const letter = await showDeadLetter(nc, options.seq);
  const jsm = await jetstreamManager(nc);
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
    entry,
  };
}
