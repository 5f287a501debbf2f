/**
 * Re-delivers a range of a stream to this service's handlers, through the same dispatcher as
 * the live consumer: every event goes through the inbox, so a replay applies only what was
 * never applied and skips the rest. Reads with an ordered consumer of its own, so the durable
 * consumer's position is untouched and the live flow goes on beside it.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { Database } from "../db/client.ts";
import { openRange } from "../bus/mod.ts";
import type { ReplayProgress, ReplayRange, ReplayReport } from "../contracts/mod.ts";
import type { Dispatcher, StreamMessage } from "./dispatch.ts";
import { errorText } from "../errors/mod.ts";

/** A range of a stream to re-deliver, and how. */
export interface ReplayOptions {
  /** The connection the range is read through. */
  nc: NatsConnection;
  /** The service's dispatcher: the inbox decides what is applied. */
  dispatcher: Dispatcher;
  /** The stream, and optionally its subject and first and last sequence. */
  range: ReplayRange;
  /** Only say what would happen. */
  dryRun?: boolean;
  /** Deliver within this transaction (a rebuild); a failure then aborts the whole replay. */
  within?: Database;
  /** Told of the progress as messages are read. */
  onProgress?: (progress: ReplayProgress) => void;
  /** Planned deliveries a dry run lists; the counts cover all of them. */
  listLimit?: number;
}

/**
 * Reads `range` with an ordered consumer of its own and delivers each message through `dispatcher`,
 * in stream order; with `dryRun`, only plans. Resolves to a report counting applied, skipped
 * (already applied), not handled, invalid and failed messages, with the first 20 failures noted. A
 * handler's failure is counted and the replay goes on, except `within` a transaction, where it is
 * thrown. Throws `ServiceError` `not_found` for a stream that does not exist.
 */
export async function replayRange(options: ReplayOptions): Promise<ReplayReport> {
  const { nc, dispatcher, range } = options;
  const started = performance.now();
  const report: ReplayReport = {
    stream: range.stream,
    dryRun: options.dryRun ?? false,
    firstSeq: null,
    lastSeq: null,
    read: 0,
    applied: 0,
    skipped: 0,
    notHandled: 0,
    invalid: 0,
    failed: 0,
    failures: [],
    planned: [],
    ms: 0,
  };
  // "To now" is the stream's end when the replay starts; what comes later is the live flow's.
  const { end, messages } = await openRange(nc, range);
  const total = range.fromSeq !== undefined ? end - range.fromSeq + 1 : end;
  const progress = () =>
    options.onProgress?.({
      stream: range.stream,
      read: report.read,
      total,
      applied: report.applied,
      skipped: report.skipped + report.notHandled,
    });

  for await (const message of messages) {
    report.firstSeq ??= message.seq;
    report.lastSeq = message.seq;
    report.read++;
    await take(message, message.seq);
    progress();
  }
  return finish();

  async function take(message: StreamMessage, seq: number) {
    if (options.dryRun) {
      const { plan, event, reason } = await dispatcher.plan(message);
      if (plan === "apply") report.applied++;
      else if (plan === "skip") report.skipped++;
      else if (plan === "ignore") report.notHandled++;
      else report.invalid++;
      if (report.planned.length < (options.listLimit ?? 100)) {
        report.planned.push({
          seq,
          type: event?.type ?? message.subject,
          id: event?.id,
          plan,
          reason,
        });
      }
      return;
    }
    try {
      const delivery = await dispatcher.deliver(message, { db: options.within });
      if (delivery.outcome === "invalid") {
        report.invalid++;
        note(seq, message.subject, delivery.reason);
      } else if (delivery.outcome === "applied") report.applied++;
      else if (delivery.outcome === "duplicate") report.skipped++;
      else report.notHandled++;
    } catch (error) {
      // In a rebuild one failure spoils the whole: the transaction must roll back.
      if (options.within) throw error;
      report.failed++;
      note(seq, message.subject, errorText(error));
    }
  }

  function note(seq: number, subject: string, error: string) {
    if (report.failures.length < 20) report.failures.push({ seq, subject, error });
  }

  function finish(): ReplayReport {
    report.ms = Math.round(performance.now() - started);
    return report;
  }
}
