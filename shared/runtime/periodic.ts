/**
 * Work a service does on a timer while it runs (a saga's deadline sweep, a purge): each run starts
 * `everyMs` after the previous one ended, so runs never overlap in one instance; instances each run
 * their own, so the work must be safe side by side (e.g. `FOR UPDATE SKIP LOCKED`).
 */
import { v7 as uuidv7 } from "uuid";
import type { Logger } from "../log/mod.ts";
import { type EndpointPublishing, type Transact, transactionFor } from "./transaction.ts";

/** What one run of periodic work gets. */
export interface PeriodicScope {
  /**
   * As an endpoint's `ctx.transaction`: its `publish` states events as the service, with a
   * correlation id of the run's own, and the relay publishes them at the commit.
   */
  transaction: Transact;
  /** Tagged with the work's name and the run's correlation id. */
  log: Logger;
}

/** Periodic work, declared in a service definition (`ServiceDefinition.periodic`). */
export interface PeriodicWork {
  /** Its name, in logs. */
  name: string;
  /** Wait between the end of one run and the start of the next, in ms. */
  everyMs: number;
  /**
   * The wait before the first run, in ms (default `everyMs`): shorter for hourly work, so an
   * instance that lives less than `everyMs` still runs it.
   */
  firstAfterMs?: number;
  /** One run. What it throws is logged; the next run comes at its time. */
  run(scope: PeriodicScope): Promise<void>;
}

/** Started periodic work. */
export interface RunningPeriodic {
  /** Stops the timers and waits for the runs in flight. */
  stop(): Promise<void>;
}

/** Starts each of `works` on its timer (the first run `firstAfterMs ?? everyMs` after the start). */
export function startPeriodic(
  works: readonly PeriodicWork[],
  { publishing, log }: { publishing: EndpointPublishing; log: Logger },
): RunningPeriodic {
  let stopped = false;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const inFlight = new Set<Promise<void>>();

  function schedule(work: PeriodicWork, waitMs = work.everyMs) {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const run = runOnce(work, publishing, log).then(() => {}).finally(() => {
        inFlight.delete(run);
        schedule(work);
      });
      inFlight.add(run);
    }, waitMs);
    timers.add(timer);
  }

  for (const work of works) schedule(work, work.firstAfterMs);
  return {
    stop: async () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(inFlight);
    },
  };
}

/** One run of `work` with a correlation id of its own; resolves false when it failed (logged). */
function runOnce(
  work: PeriodicWork,
  publishing: EndpointPublishing,
  log: Logger,
): Promise<boolean> {
  const correlationId = uuidv7();
  const runLog = log.child({ work: work.name, correlationId });
  return work.run({ transaction: transactionFor(publishing, correlationId), log: runLog })
    .then(() => true, (error) => {
      runLog.error("periodic work failed; the next run retries", { error });
      return false;
    });
}

/** What became of each work on a `runDue`, by name. */
export type DueRunReport = Record<string, "ran" | "failed" | "not due" | "running">;

/**
 * Periodic work run when asked rather than on timers: for a service whose instance may sleep
 * between requests (the bridge's tick, `Deno.cron`), where a timer cannot be relied on.
 */
export interface PeriodicOnDemand {
  /**
   * Runs, side by side, each work not run in this instance yet or whose last run here ended at
   * least `everyMs` ago, and waits for them; a work still running is left to finish (never two
   * runs of one work at once). Never rejects: a failed run is logged and reported.
   */
  runDue(): Promise<DueRunReport>;
  /** Waits for the runs in flight. */
  stop(): Promise<void>;
}

/** `works`, run on demand (`runDue`); `now` gives epoch ms (tests). */
export function periodicOnDemand(
  works: readonly PeriodicWork[],
  { publishing, log }: { publishing: EndpointPublishing; log: Logger },
  now: () => number = Date.now,
): PeriodicOnDemand {
  const endedAt = new Map<PeriodicWork, number>();
  const running = new Map<PeriodicWork, Promise<boolean>>();

  async function runDue(): Promise<DueRunReport> {
    const report: DueRunReport = {};
    await Promise.all(works.map(async (work) => {
      const ended = endedAt.get(work);
      if (running.has(work)) return void (report[work.name] = "running");
      if (ended !== undefined && now() - ended < work.everyMs) {
        return void (report[work.name] = "not due");
      }
      const run = runOnce(work, publishing, log).finally(() => {
        running.delete(work);
        endedAt.set(work, now());
      });
      running.set(work, run);
      report[work.name] = await run ? "ran" : "failed";
    }));
    return report;
  }

  return { runDue, stop: async () => void await Promise.all(running.values()) };
}
