/**
 * Asks one service to replay a range of a stream to its handlers, or to rebuild its read
 * model, and passes on the progress it publishes while it works.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { nuid } from "@nats-io/nats-core";
import { describeMissing, rpcClient } from "../bus/mod.ts";
import {
  type MissingEvents,
  operationsApi,
  type ReplayProgress,
  replayProgress,
  type ReplayRange,
  type ReplayReport,
} from "../contracts/mod.ts";
import { ServiceError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import { recordAction } from "./audit.ts";

/** A replay may run long; the service answers when it is done. */
const replayTimeoutMs = 30 * 60_000;

/**
 * What an operator asks of one service's replay: the range, whether only to plan, who asks (for the
 * audit) and where progress goes.
 */
export interface ReplayRequest {
  service: string;
  /**
   * The names `service` may be, each a service that answers the operator's endpoints. The kit
   * knows no list of services: its caller does (a tool the registry, the gateway those it routes
   * to), so a service added is known wherever its caller's list is made.
   */
  services: readonly string[];
  range: ReplayRange;
  dryRun?: boolean;
  actor: string;
  log: Logger;
  onProgress?: (progress: ReplayProgress) => void;
}

/**
 * Throws ServiceError `not_found` (details: `services`, the names known) unless `service` is one
 * of `services`: an unknown name is the caller's mistake, not a service that is down (which stays
 * `unavailable`, 503).
 */
export function knownService(service: string, services: readonly string[]): void {
  if (!services.includes(service)) {
    throw new ServiceError("not_found", `no service is named ${service.slice(0, 64)}`, {
      services: [...services],
    });
  }
}

/** Throws as `knownService`, and what the service's contract or its reply throws. */
export async function replayToService(
  nc: NatsConnection,
  request: ReplayRequest,
): Promise<ReplayReport> {
  knownService(request.service, request.services);
  const client = rpcClient(nc, operationsApi(request.service), { timeoutMs: replayTimeoutMs });
  const report = await withProgress(
    nc,
    request.service,
    request.onProgress,
    (progressSubject) =>
      client.replayEvents({
        range: request.range,
        dryRun: request.dryRun ?? false,
        progressSubject,
      }),
  );
  if (!report.dryRun) {
    await recordAction(nc, request.log, {
      actor: request.actor,
      action: "replay",
      target: `${request.service} ← ${describeRange(request.range)}`,
      outcome: `applied ${report.applied}, skipped ${report.skipped}, ` +
        `not handled ${report.notHandled}, invalid ${report.invalid}, failed ${report.failed}`,
    });
  }
  return report;
}

/**
 * Asks `request.service` to rebuild its read model (empty its tables and inbox, then replay every
 * stream it reacts to, in one transaction), passing on its progress, waiting up to 30 minutes, and
 * records the action in `AUDIT` (saying when `acceptMissing` let it run without events a stream no
 * longer holds). Throws `not_found` for an unknown service, `unprocessable` for one without a read
 * model, `conflict` (details: `missing`, a `MissingEvents` per stream) when a stream no longer holds
 * its oldest events and `acceptMissing` is not set (nothing is emptied), and what the call throws.
 */
export async function rebuildReadModel(
  nc: NatsConnection,
  request: Omit<ReplayRequest, "range" | "dryRun"> & { acceptMissing?: boolean },
): Promise<{ tables: string[]; streams: ReplayReport[]; missing: MissingEvents[] }> {
  knownService(request.service, request.services);
  const client = rpcClient(nc, operationsApi(request.service), { timeoutMs: replayTimeoutMs });
  const result = await withProgress(
    nc,
    request.service,
    request.onProgress,
    (progressSubject) =>
      client.rebuildReadModel({
        progressSubject,
        ...(request.acceptMissing ? { acceptMissing: true } : {}),
      }),
  );
  const accepted = result.missing.length
    ? `; acceptMissing: rebuilt without the missing events (${
      result.missing.map(describeMissing).join("; ")
    })`
    : request.acceptMissing
    ? "; acceptMissing given, no event was missing"
    : "";
  await recordAction(nc, request.log, {
    actor: request.actor,
    action: "rebuild",
    target: `${request.service}: ${result.tables.join(", ")}`,
    outcome: `applied ${result.streams.reduce((sum, s) => sum + s.applied, 0)} events${accepted}`,
  });
  return result;
}

/**
 * A range in a few words for people and the audit: `ORDERS (orders.order.placed) from #5 to now`.
 */
export function describeRange(range: ReplayRange): string {
  const from = range.fromSeq ? `#${range.fromSeq}` : range.fromTime ?? "the start";
  const to = range.toSeq ? `#${range.toSeq}` : "now";
  return `${range.stream}${range.subject ? ` (${range.subject})` : ""} from ${from} to ${to}`;
}

/**
 * The subject `service` publishes a replay's progress to: `progress.<service>.<unique>`, the one
 * space its identity may publish progress in (infra/nats/permissions.ts); the operator's may
 * read `progress.>`.
 */
export function progressSubject(service: string): string {
  return `progress.${service}.${nuid.next()}`;
}

async function withProgress<T>(
  nc: NatsConnection,
  service: string,
  onProgress: ((progress: ReplayProgress) => void) | undefined,
  call: (progressSubject?: string) => Promise<T>,
): Promise<T> {
  if (!onProgress) return call();
  const subject = progressSubject(service);
  const subscription = nc.subscribe(subject, {
    callback: (_error, message) => {
      const progress = replayProgress.safeParse(message.json());
      if (progress.success) onProgress(progress.data);
    },
  });
  await nc.flush();
  try {
    return await call(subject);
  } finally {
    subscription.unsubscribe();
  }
}
