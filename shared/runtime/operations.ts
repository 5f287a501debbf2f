/**
 * A service's answers to its operator (see contracts/operations.ts): replay a range of a stream to
 * its handlers, rebuild its read model from the start, re-drive its dead letters, mark the events
 * of discarded dead letters handled, list, re-queue and discard its parked outbox rows, and say
 * whether it is ready. Deliveries go through the same dispatcher as the live consumer, so the inbox
 * decides what is applied.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { getTableName, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { Database } from "../db/client.ts";
import { describeMissing, missingEventsOf, type RpcHandlers } from "../bus/mod.ts";
import type {
  OperationsEndpoints,
  RedriveResult,
  ReplayProgress,
  StreamDefinition,
} from "../contracts/mod.ts";
import { errorText, ServiceError } from "../errors/mod.ts";
import {
  deadLetterHeaders,
  deadLettersStream,
  type Dispatcher,
  type InboxTable,
  markHandled,
  replayRange,
} from "../events/mod.ts";
import type { ReadinessReport } from "../health/mod.ts";
import { discardParked, listParked, type OutboxTable, requeueParked } from "../outbox/mod.ts";

/** What the operator's endpoints of one service act on. */
export interface OperationsOptions {
  nc: NatsConnection;
  service: string;
  db: Database;
  /** A dispatcher per stream the service reacts to, by stream name. */
  dispatchers: Map<string, Dispatcher>;
  inbox?: InboxTable;
  readModel?: { tables: PgTable[] };
  /** Called after something was applied or re-queued (e.g. to wake the outbox relay). */
  afterApply?: () => void;
  /** The outbox of the events the service publishes: its parked rows are the operator's. */
  publishes?: { stream: StreamDefinition; outbox: OutboxTable };
  /** The instance's readiness, as its `/ready` says it. */
  readiness?: () => Promise<ReadinessReport>;
}

/**
 * The handlers of the operator's endpoints every service answers (`operationsApi(service)`): mark
 * events handled in the inbox, list, re-queue and discard parked outbox rows, readiness, replay a
 * stream range through a dispatcher, rebuild the read model (truncate and replay in one
 * transaction), redrive its dead letters (one result per letter; a letter handled is deleted). Each
 * throws `ServiceError`: `invalid` for a stream the service does not react to, `unprocessable` for
 * an action the service has no table for (no inbox, no outbox, no read model), `not_found` for an
 * outbox row it does not hold.
 */
export function operations(options: OperationsOptions): RpcHandlers<OperationsEndpoints> {
  const { nc, service, db, dispatchers } = options;

  function dispatcherOf(stream: string): Dispatcher {
    const dispatcher = dispatchers.get(stream);
    if (dispatcher) return dispatcher;
    const known = [...dispatchers.keys()];
    throw new ServiceError(
      "invalid",
      `${service} does not react to ${stream}` +
        (known.length ? `; it reads ${known.join(", ")}` : "; it reacts to no stream"),
    );
  }

  /** Publishes progress at most four times a second: enough for a bar, little for the bus. */
  function progressTo(subject: string | undefined) {
    // Not 0: performance.now() counts from the process's start, and an instance woken at the
    // edge to replay begins within 250 ms of it, when the first report would have been dropped.
    let last = -Infinity;
    return (progress: ReplayProgress) => {
      if (!subject || performance.now() - last < 250) return;
      last = performance.now();
      nc.publish(subject, JSON.stringify(progress));
    };
  }

  /**
   * Waits until the server has the progress published (a flush): behind the bridge the answer goes
   * back over HTTP, not after the progress on this connection, and could overtake it.
   */
  async function progressSent(subject: string | undefined) {
    if (subject) await nc.flush().catch(() => {});
  }

  function outboxOf(): OutboxTable {
    if (options.publishes) return options.publishes.outbox;
    throw new ServiceError("unprocessable", `${service} publishes no events: it keeps no outbox`);
  }

  return {
    markHandled: async ({ events }, ctx) => {
      if (!options.inbox) {
        throw new ServiceError(
          "unprocessable",
          `${service} reacts to no stream: it keeps no inbox`,
        );
      }
      const recorded = await markHandled(db, options.inbox, events);
      ctx.log.info("events marked handled", { events: events.map((e) => e.id), recorded });
      return { recorded };
    },

    parkedOutbox: async ({ limit }) => ({
      items: options.publishes ? await listParked(db, options.publishes.outbox, limit) : [],
    }),

    requeueOutbox: async ({ id }, ctx) => {
      const row = await requeueParked(db, outboxOf(), id);
      if (!row) throw new ServiceError("not_found", `${service} has no parked outbox row ${id}`);
      ctx.log.info("outbox row re-queued", { id, subject: row.subject });
      options.afterApply?.();
      return row;
    },

    discardOutbox: async ({ id }, ctx) => {
      const row = await discardParked(db, outboxOf(), id);
      if (!row) throw new ServiceError("not_found", `${service} has no parked outbox row ${id}`);
      ctx.log.warn("parked outbox row discarded", { ...row });
      return row;
    },

    ready: async () => options.readiness ? await options.readiness() : { ready: true, checks: {} },

    replayEvents: async ({ range, dryRun, progressSubject }, ctx) => {
      const dispatcher = dispatcherOf(range.stream);
      ctx.log.info("replay started", { range, dryRun });
      const report = await replayRange({
        nc,
        dispatcher,
        range,
        dryRun,
        onProgress: progressTo(progressSubject),
      });
      if (report.applied > 0 && !dryRun) options.afterApply?.();
      ctx.log.info("replay finished", { ...report, planned: undefined });
      await progressSent(progressSubject);
      return report;
    },

    rebuildReadModel: async ({ progressSubject, acceptMissing }, ctx) => {
      if (!options.readModel || !options.inbox) {
        throw new ServiceError("unprocessable", `${service} keeps no read model to rebuild`);
      }
      const tables = [...options.readModel.tables, options.inbox];
      const names = tables.map((table) => getTableName(table));
      // Checked before anything is emptied: a rebuild from a stream that lost its oldest events
      // would silently drop whatever they made.
      const missing =
        (await Promise.all([...dispatchers.keys()].map((s) => missingEventsOf(nc, s))))
          .filter((m) => m !== null);
      if (missing.length && !acceptMissing) {
        ctx.log.warn("rebuild refused: events missing", { missing });
        throw new ServiceError(
          "conflict",
          `${service} not rebuilt, nothing emptied: ${missing.map(describeMissing).join("; ")}. ` +
            `A rebuild replays from the first event held, so ${names.join(", ")} would lose ` +
            `for good what the missing events made (orders older than the max age, say). ` +
            `To rebuild without them, ask again with acceptMissing: true`,
          { missing },
        );
      }
      if (missing.length) ctx.log.warn("rebuild without missing events", { missing });
      ctx.log.info("rebuild started", { tables: names });
      const onProgress = progressTo(progressSubject);
      // One transaction: readers see the old model until the new one is whole, and the live
      // consumer waits on the truncated tables, then finds its events in the inbox.
      const streams = await db.transaction(async (tx) => {
        await tx.execute(sql`truncate table ${sql.join(tables.map((t) => sql`${t}`), sql`, `)}`);
        const reports = [];
        for (const [stream, dispatcher] of dispatchers) {
          reports.push(
            await replayRange({ nc, dispatcher, range: { stream }, within: tx, onProgress }),
          );
        }
        return reports;
      });
      ctx.log.info("rebuild finished", {
        tables: names,
        applied: streams.reduce((sum, r) => sum + r.applied, 0),
      });
      await progressSent(progressSubject);
      return { tables: names, streams, missing };
    },

    redriveDeadLetters: async ({ sequences }, ctx) => {
      const jsm = await jetstreamManager(nc);
      const results: RedriveResult[] = [];
      for (const seq of sequences) {
        results.push(await redrive(seq));
      }
      if (results.some((r) => r.outcome === "applied")) options.afterApply?.();
      return { results };

      async function redrive(seq: number): Promise<RedriveResult> {
        const letter = await jsm.streams.getMessage(deadLettersStream.name, { seq })
          .catch(() => null);
        const owner = letter?.header?.get(deadLetterHeaders.service);
        if (!letter || owner !== service) {
          return {
            seq,
            outcome: "not_found",
            error: letter ? `dead letter of ${owner}, not ${service}` : "no such dead letter",
          };
        }
        if (letter.header.get(deadLetterHeaders.discarded)) {
          return { seq, outcome: "not_found", error: "discarded" };
        }
        const stream = letter.header.get(deadLetterHeaders.stream);
        const streamSequence = Number(letter.header.get(deadLetterHeaders.sequence));
        // A letter too big to copy names its original: read it from where it was.
        const byReference = letter.header.get(deadLetterHeaders.byReference) === "true";
        const source = byReference
          ? await jsm.streams.getMessage(stream, { seq: streamSequence }).catch(() => null)
          : letter;
        if (!source) {
          return {
            seq,
            outcome: "not_found",
            error: `its original, ${stream}#${streamSequence}, is no longer in the stream`,
          };
        }
        const original = {
          subject: letter.header.get(deadLetterHeaders.subject),
          data: source.data,
          headers: source.header,
          json: <T>() => source.json<T>(),
          info: { stream, streamSequence },
        };
        try {
          const delivery = await dispatcherOf(stream).deliver(original);
          if (delivery.outcome === "invalid") {
            return { seq, outcome: "invalid", error: delivery.reason };
          }
          // Handled (or found handled): the letter has done its work.
          await jsm.streams.deleteMessage(deadLettersStream.name, seq);
          ctx.log.info("dead letter re-driven", { seq, outcome: delivery.outcome, stream });
          return { seq, outcome: delivery.outcome };
        } catch (error) {
          const message = errorText(error);
          ctx.log.warn("dead letter failed again", { seq, error: message });
          return { seq, outcome: "failed", error: message };
        }
      }
    },
  };
}
