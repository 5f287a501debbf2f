/**
 * The retention purges every service runs, as periodic work: published outbox rows and inbox
 * rows older than their retention (shared/config/retention.ts), and the rule the inbox's obeys,
 * checked at start (a configuration that breaks it refuses to start) and before each purge
 * against the streams as the server holds them (docs/retention.md).
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { RetentionSettings } from "../config/mod.ts";
import type { StreamDefinition } from "../contracts/mod.ts";
import type { Database } from "../db/client.ts";
import {
  checkInboxRetention,
  configuredHorizon,
  inboxRetentionFloorMs,
  type InboxTable,
  purgeInbox,
  serverHorizon,
} from "../events/mod.ts";
import { type OutboxTable, purgePublishedOutbox } from "../outbox/mod.ts";
import { retentionPurgedRows } from "../telemetry/retention.ts";
import type { PeriodicScope, PeriodicWork } from "./periodic.ts";

/**
 * A purge of `table` every `everyMs` (the first after a random part of it): `purge(before)`
 * deletes the rows older than `before` (`retentionMs` ago) and answers how many, or null when it
 * skipped; each run that purged logs one line (`retention purge`, with the table, rows deleted,
 * cut-off and ms) and adds to `retention_purged_rows_total{service, table}`.
 */
export function purgeWork(
  service: string,
  table: string,
  { retentionMs, everyMs }: { retentionMs: number; everyMs: number },
  purge: (before: Date, scope: PeriodicScope) => Promise<number | null>,
): PeriodicWork {
  return {
    name: `${table} retention`,
    everyMs,
    // Instances (and restarts) spread over the period; one living less than it still purges.
    firstAfterMs: Math.random() * everyMs,
    run: async (scope) => {
      const started = performance.now();
      const before = new Date(Date.now() - retentionMs);
      const deleted = await purge(before, scope);
      if (deleted === null) return;
      retentionPurgedRows.add({ service, table }, deleted);
      scope.log.info("retention purge", {
        table,
        deleted,
        before: before.toISOString(),
        ms: Math.round(performance.now() - started),
      });
    },
  };
}

/** What a service keeps that the kit purges. */
export interface KitRetention {
  service: string;
  db: Database;
  nc: NatsConnection;
  settings: RetentionSettings;
  outbox?: OutboxTable;
  /** The inbox, and the streams whose events it records. */
  inbox?: { table: InboxTable; streams: StreamDefinition[] };
}

/**
 * The purges of `retention`'s outbox and inbox. Throws ConfigError (before anything runs) when the
 * inbox retention is shorter than the kit's streams and dead letters allow. Before each inbox
 * purge, the streams' and dead letters' max ages are read from the server: when they allow less
 * (an operator lengthened one, or an older deployment keeps one for ever), the purge is skipped
 * with an error logged.
 */
export function kitPurges(retention: KitRetention): PeriodicWork[] {
  const { service, db, nc, settings, outbox, inbox } = retention;
  const every = { everyMs: settings.RETENTION_PURGE_EVERY_MS };
  const batchSize = settings.RETENTION_PURGE_BATCH;
  const works: PeriodicWork[] = [];
  if (outbox) {
    const keep = { ...every, retentionMs: settings.OUTBOX_RETENTION_MS };
    works.push(
      purgeWork(
        service,
        "outbox",
        keep,
        (before) => purgePublishedOutbox(db, outbox, { before, batchSize }),
      ),
    );
  }
  if (inbox) {
    const retentionMs = settings.INBOX_RETENTION_MS;
    checkInboxRetention(retentionMs, configuredHorizon(inbox.streams));
    works.push(
      purgeWork(service, "inbox", { ...every, retentionMs }, async (before, { log }) => {
        const horizon = await serverHorizon(nc, inbox.streams);
        const floorMs = inboxRetentionFloorMs(horizon);
        if (retentionMs < floorMs) {
          log.error("inbox purge skipped: the streams as NATS holds them keep events longer", {
            retentionMs,
            floorMs: Number.isFinite(floorMs) ? floorMs : "for ever",
            ...horizon,
          });
          return null;
        }
        return await purgeInbox(db, inbox.table, { before, batchSize });
      }),
    );
  }
  return works;
}
