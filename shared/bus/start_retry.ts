/**
 * Start-up steps against JetStream (declaring a stream, making a durable) tried again while the
 * failure is transient: a loaded server or a cluster electing its meta leader answers a start's
 * JetStream call with a timeout, and a service that exited on it (seen under a three-node cluster
 * and on a loaded machine) waited for a supervisor to restart it. Anything else fails at once.
 */
import { isTransientJetStream } from "./jetstream_errors.ts";
import { errorText } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";

/** How long a start keeps trying one step, in ms (60 s), unless told otherwise. */
export const startRetryMs = 60_000;

/**
 * Runs `step` (named `what` in the log) until it resolves, trying again after 0.25 s doubling to
 * 4 s while it fails with a transient JetStream error (`isTransientJetStream`), for at most
 * `withinMs`. Throws the step's error when it is not transient, or the last one past `withinMs`.
 */
export async function retryAtStart<T>(
  what: string,
  step: () => Promise<T>,
  { log, withinMs = startRetryMs }: { log: Logger; withinMs?: number },
): Promise<T> {
  const until = Date.now() + withinMs;
  for (let waitMs = 250;; waitMs = Math.min(waitMs * 2, 4000)) {
    try {
      return await step();
    } catch (error) {
      if (!isTransientJetStream(error) || Date.now() + waitMs > until) throw error;
      log.warn(`${what} failed; trying again`, { error: errorText(error), waitMs });
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
