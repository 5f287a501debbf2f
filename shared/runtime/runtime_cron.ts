/**
 * Periodic work on the runtime's own scheduler, where it has one: `Deno.cron` on Deno Deploy (in
 * the CLI only with --unstable-cron). There an isolate may sleep between requests, so a timer
 * cannot be relied on; the cron wakes one. Never required: without it the bridge's tick does the
 * same work, and each piece of that work is safe to run twice.
 */
import type { Logger } from "../log/mod.ts";

/** `Deno.cron` with options, as far as it is used here. */
export type CronScheduler = (
  name: string,
  schedule: string,
  options: { signal?: AbortSignal },
  handler: () => Promise<void>,
) => Promise<void>;

/** Every minute: the most often Deno Deploy runs a cron. */
export const cronSchedule = "* * * * *";

/** `Deno.cron` when this runtime has it, else undefined (read, not typed: it is unstable). */
export function runtimeCron(): CronScheduler | undefined {
  const cron = (Deno as unknown as { cron?: CronScheduler }).cron;
  return typeof cron === "function" ? cron.bind(Deno) : undefined;
}

/**
 * Registers `work` every minute as `name` with `cron` (by default `Deno.cron` when it exists).
 * Answers a function that unregisters it, or undefined when nothing was registered: no scheduler,
 * or one that refused the registration (Deno Deploy takes crons only while the module loads; a
 * name taken twice), which is logged, not thrown.
 */
export function scheduleOnCron(
  name: string,
  work: () => Promise<void>,
  log: Logger,
  cron: CronScheduler | undefined = runtimeCron(),
): (() => void) | undefined {
  if (!cron) return undefined;
  const stop = new AbortController();
  try {
    cron(name, cronSchedule, { signal: stop.signal }, work).catch((error) =>
      log.warn("the runtime's cron ended", { cron: name, error })
    );
  } catch (error) {
    log.warn("the runtime refused a cron; the bridge's tick runs the work", { cron: name, error });
    return undefined;
  }
  log.info("periodic work registered with the runtime's cron", { cron: name, cronSchedule });
  return () => stop.abort();
}
