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
      const correlationId = uuidv7();
      const runLog = log.child({ work: work.name, correlationId });
      const run = work.run({ transaction: transactionFor(publishing, correlationId), log: runLog })
        .catch((error) => runLog.error("periodic work failed; the next run retries", { error }))
        .finally(() => {
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
