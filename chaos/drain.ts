/**
 * Waiting for a disrupted stack to come to rest before its databases are checked: no saga in
 * flight (every order ended), none in compensation_failed, every outbox published, every durable
 * consumer caught up, no dead letter left. Failed compensations are retried (`ops sagas retry`)
 * and other dead letters re-driven, as an operator does once the cause (here: the injected
 * faults, already cleared) is gone. The wait is bounded; when it runs out, what it says is what
 * is stuck.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { count, isNull } from "drizzle-orm";
import { listDeadLetters, redriveDeadLetters } from "../shared/operator/mod.ts";
import { listFailedSagas, listSagas, retryFailedSaga } from "../shared/operator/sagas.ts";
import { createLogger } from "../shared/log/mod.ts";
import type { OutboxTable } from "../shared/outbox/mod.ts";
import type { Fleet } from "./fleet.ts";

/** What is not yet at rest; all empty means quiet. */
export interface Unrest {
  /** Sagas in flight (orders pending); -1 when orders did not answer. */
  inFlight: number;
  /** The oldest of them, as `<order id> waits for <event types>`. */
  oldest: string[];
  /** Orders whose saga is in compensation_failed, by id. */
  compensationFailed: string[];
  /** Outbox rows not yet published (or parked), by service; -1 when it could not be read. */
  outboxes: Record<string, number>;
  /** Messages a durable consumer has not been given or has not acked, by `STREAM/consumer`. */
  consumers: Record<string, number>;
  deadLetters: number;
  /** Services run as processes that are not running. */
  down: string[];
}

/** How the drain went. */
export interface DrainResult {
  quiet: boolean;
  ms: number;
  /** Dead letters re-driven on the way (failed compensations' among them). */
  redriven: number;
  /** Orders seen in compensation_failed, each retried as an operator would. */
  compensationFailed: Set<string>;
  /** The last reading: what was stuck when `quiet` is false. */
  unrest: Unrest;
}

/** Waits until two readings in a row are quiet, or `timeoutMs` passes. */
export async function drain(
  fleet: Fleet,
  outboxes: Record<string, OutboxTable>,
  timeoutMs: number,
): Promise<DrainResult> {
  const started = Date.now();
  const log = createLogger({ service: "chaos", level: "error" });
  const nc = fleet.stack.nc;
  const compensationFailed = new Set<string>();
  let redriven = 0;
  let quietReadings = 0;
  let unrest = await readUnrest(fleet, outboxes);
  while (Date.now() - started < timeoutMs) {
    if (isQuiet(unrest)) {
      if (++quietReadings === 2) break;
    } else quietReadings = 0;
    for (const name of unrest.down) fleet.processes.get(name)!.start().catch(() => {});
    for (const orderId of unrest.compensationFailed) {
      compensationFailed.add(orderId);
      const reason = "chaos run: the injected faults are cleared";
      const retried = await retryFailedSaga(nc, { orderId, reason, actor: "chaos", log })
        .catch(() => null);
      redriven += retried?.redriven.length ?? 0;
    }
    if (unrest.deadLetters > 0) {
      const results = await redriveDeadLetters(nc, { all: true, actor: "chaos", log })
        .catch(() => []);
      redriven += results.filter((result) => !result.error).length;
    }
    await new Promise((r) => setTimeout(r, 500));
    unrest = await readUnrest(fleet, outboxes);
  }
  return {
    quiet: quietReadings >= 2,
    ms: Date.now() - started,
    redriven,
    compensationFailed,
    unrest,
  };
}

/**
 * Notes every saga seen in compensation_failed until `stop`, one reading a second (orders may be
 * down for some: those readings are skipped). Some come back before the drain (a timed-out
 * order's refund on its cancellation): the report counts them all.
 */
export async function watchFailedSagas(fleet: Fleet, stop: Promise<void>): Promise<Set<string>> {
  const seen = new Set<string>();
  let stopped = false;
  stop.then(() => stopped = true);
  while (!stopped) {
    const page = await listFailedSagas(fleet.stack.nc, { limit: 200 }).catch(() => null);
    for (const saga of page?.items ?? []) seen.add(saga.orderId);
    await Promise.race([new Promise((r) => setTimeout(r, 1_000)), stop]);
  }
  return seen;
}

function isQuiet(unrest: Unrest): boolean {
  return unrest.inFlight === 0 && unrest.compensationFailed.length === 0 &&
    unrest.deadLetters === 0 &&
    unrest.down.length === 0 &&
    Object.values(unrest.outboxes).every((left) => left === 0) &&
    Object.values(unrest.consumers).every((left) => left === 0);
}

async function readUnrest(fleet: Fleet, outboxes: Record<string, OutboxTable>): Promise<Unrest> {
  const down = [...fleet.processes.values()].filter((p) => !p.running()).map((p) => p.name);
  const nc = fleet.stack.nc;
  const [sagas, failed, outboxLeft, consumers, letters] = await Promise.all([
    listSagas(nc, { limit: 5 }).catch(() => null),
    listFailedSagas(nc, { limit: 200 }).then((page) => page.items.map((s) => s.orderId), () => []),
    Promise.all(
      Object.entries(outboxes).map(async ([service, table]) =>
        [service, await outboxLeftOf(fleet, service, table).catch(() => -1)] as const
      ),
    ),
    consumerLag(fleet).catch(() => ({ unreadable: -1 })),
    listDeadLetters(fleet.stack.nc).then((found) => found.length, () => -1),
  ]);
  return {
    inFlight: sagas?.counts.inFlight ?? -1,
    oldest: sagas?.items.map((s) => `${s.orderId} waits for ${s.waitsFor.join(" or ")}`) ?? [],
    compensationFailed: failed,
    outboxes: Object.fromEntries(outboxLeft),
    consumers,
    deadLetters: letters,
    down,
  };
}

/** A process's backlog from its metrics; an in-process service's from its database. */
async function outboxLeftOf(fleet: Fleet, service: string, table: OutboxTable): Promise<number> {
  if (fleet.processes.has(service)) {
    const text = await fleet.metrics(service);
    const figure = (name: string) =>
      Number(text.match(new RegExp(`^${name}\\{service="${service}"\\} (\\d+)`, "m"))?.[1] ?? NaN);
    const left = figure("outbox_backlog_events") + figure("outbox_parked_events");
    return Number.isNaN(left) ? -1 : left;
  }
  const { db } = await fleet.database(service);
  const [row] = await db.select({ left: count() }).from(table).where(isNull(table.publishedAt));
  return row.left;
}

async function consumerLag(fleet: Fleet): Promise<Record<string, number>> {
  const jsm = await jetstreamManager(fleet.stack.nc);
  const lag: Record<string, number> = {};
  for (const stream of await jsm.streams.list().next()) {
    for (const consumer of await jsm.consumers.list(stream.config.name).next()) {
      if (!consumer.config.durable_name) continue;
      lag[`${stream.config.name}/${consumer.name}`] = consumer.num_pending +
        consumer.num_ack_pending;
    }
  }
  return lag;
}
