/**
 * Retries with exponential backoff and full jitter (a random wait between 0 and the capped
 * exponential), so callers that failed together do not retry together. Only for calls that
 * are safe to repeat, never past the caller's deadline, and never sooner than an error asks.
 */
import { ServiceError } from "../errors/mod.ts";

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

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

export function backoffDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

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
