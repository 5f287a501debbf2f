/**
 * Retries with exponential backoff and full jitter (a random wait between 0 and the capped
 * exponential), so callers that failed together do not retry together. Only for calls that
 * are safe to repeat, never past the caller's deadline, and never sooner than an error asks.
 */
import { ServiceError } from "../errors/mod.ts";

/**
 * How `withRetry` tries again: how many tries, and the bounds of the jittered wait between them.
 */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Ceiling of the wait after the first failure, in ms; it doubles with each try. */
  baseDelayMs: number;
  /** The ceiling never grows past this, in ms. */
  maxDelayMs: number;
}

/**
 * Three tries, waits capped at 50, 100, ... up to 1000 ms: the gateway's `RETRY_ATTEMPTS` default.
 */
export const defaultRetryPolicy: RetryPolicy = { attempts: 3, baseDelayMs: 50, maxDelayMs: 1000 };

/** Failures worth another try: the service was away or slow, not the request wrong. */
export const isTransient = (error: unknown) =>
  error instanceof ServiceError && (error.kind === "unavailable" || error.kind === "deadline");

/**
 * True for an error that says how long to wait before asking again (`details.retryAfterMs`): an
 * open breaker, a service shedding load. Trying again sooner only meets the same answer.
 */
export const asksToWait = (error: unknown) =>
  error instanceof ServiceError &&
  typeof (error.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs === "number";

/**
 * The wait in ms before try `attempt + 1` after try `attempt` (1-based) failed: a whole number
 * drawn uniformly from [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))), "full jitter" (AWS
 * Architecture Blog, "Exponential Backoff And Jitter", 2015). `random` returns [0, 1).
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `call`, and again after a `backoffDelay` wait while it fails with a transient `ServiceError`
 * (`unavailable`, `deadline`), up to `policy.attempts` tries in all. Stops and throws the last
 * error at once when the error is not transient, when it asks to wait (`details.retryAfterMs`:
 * trying sooner meets the same answer), or when the wait would reach `deadline` (epoch ms;
 * `Infinity`, none). Only for calls that are safe to repeat. `sleep` is for tests.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  deadline = Infinity,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await call();
    } catch (error) {
      const wait = backoffDelay(attempt, policy);
      const last = attempt >= policy.attempts || Date.now() + wait >= deadline;
      if (last || !isTransient(error) || asksToWait(error)) throw error;
      await sleep(wait);
    }
  }
}
