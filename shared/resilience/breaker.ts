/**
 * A circuit breaker per downstream service: after `failureThreshold` failures in a row it opens
 * and calls fail at once, for `coolDownMs`; then one trial call is let through (half-open),
 * which closes it again on success or opens it for another cool-down on failure.
 */
import { ServiceError } from "../errors/mod.ts";
import { asksToWait, isTransient } from "./retry.ts";

/**
 * `closed`: calls go through; `open`: they fail at once; `half_open`: the cool-down is over and one
 * trial call may go through.
 */
export type BreakerState = "closed" | "open" | "half_open";

/** When a breaker opens and for how long. */
export interface BreakerOptions {
  /** Failures in a row that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker fails calls at once before a trial, in ms. */
  coolDownMs: number;
  /** The clock in epoch ms (tests); `Date.now` by default. */
  now?: () => number;
}

/**
 * Five failures in a row open it for 5 s: the gateway's `BREAKER_FAILURE_THRESHOLD` and
 * `BREAKER_COOL_DOWN_MS` defaults.
 */
export const defaultBreakerOptions = { failureThreshold: 5, coolDownMs: 5000 };

/**
 * The breaker of one downstream service (`name`): counts failures in a row, opens at
 * `failureThreshold`, fails calls at once with `unavailable` (`details.retryAfterMs`, `origin` the
 * service) while open, and lets one trial call through after `coolDownMs`. Which errors count is
 * the caller's choice (see `countsAgainst`).
 */
export class CircuitBreaker {
  #state: BreakerState = "closed";
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;
  readonly #now: () => number;

  constructor(readonly name: string, readonly options: BreakerOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** The state now; an open breaker whose cool-down is over reads as `half_open`. */
  get state(): BreakerState {
    if (this.#state === "open" && this.#now() - this.#openedAt >= this.options.coolDownMs) {
      this.#state = "half_open";
    }
    return this.#state;
  }

  /** Milliseconds until a trial call will be let through; 0 when calls go through now. */
  retryAfterMs(): number {
    if (this.state !== "open") return 0;
    return Math.max(0, this.options.coolDownMs - (this.#now() - this.#openedAt));
  }

  /**
   * Runs `work` through the breaker: throws `unavailable` without running it when open (see
   * `enter`), else returns or throws what `work` does, recording a failure when `isFailure(error)`
   * and a success otherwise.
   */
  async call<T>(work: () => Promise<T>, isFailure: (error: unknown) => boolean): Promise<T> {
    const trial = this.enter();
    try {
      const result = await work();
      this.leave(trial, false);
      return result;
    } catch (error) {
      this.leave(trial, isFailure(error));
      throw error;
    }
  }

  /**
   * Lets a call through or throws `unavailable` when the circuit is open; true when the call is
   * the half-open trial. For callers that cannot afford `call()`'s extra await per request.
   */
  enter(): boolean {
    const state = this.state;
    if (state === "open" || (state === "half_open" && this.#trialInFlight)) {
      throw new ServiceError(
        "unavailable",
        `${this.name} is failing; circuit open`,
        { retryAfterMs: Math.max(this.retryAfterMs(), 1) },
        this.name,
      );
    }
    const trial = state === "half_open";
    if (trial) this.#trialInFlight = true;
    return trial;
  }

  /** Records how a call let in by `enter()` ended: `failed` if the service was away or slow. */
  leave(trial: boolean, failed: boolean) {
    if (trial) this.#trialInFlight = false;
    if (failed) this.#failed();
    else this.#succeeded(); // the service answered, even if the request was what failed
  }

  /**
   * Ends a call let in by `enter()` that says nothing about the service (the connection to NATS
   * was lost while it waited): the count stays as it was, and a trial may be made again.
   */
  release(trial: boolean) {
    if (trial) this.#trialInFlight = false;
  }

  #succeeded() {
    this.#failures = 0;
    this.#state = "closed";
  }

  #failed() {
    this.#failures++;
    if (this.#state === "half_open" || this.#failures >= this.options.failureThreshold) {
      this.#state = "open";
      this.#openedAt = this.#now();
    }
  }
}

/**
 * Whether a failed call counts against the breaker of `service`: only a failure of that service
 * itself. Passed-through errors do not count, so that one dependency's outage does not close off
 * every other call to the service in front of it (orders' reads while catalog is down).
 * - a transient error (`unavailable`, `deadline`; see retry.ts) whose origin is `service`: the
 *   hop's own failures (no responders, no answer in time), which the RPC client marks with the
 *   callee, and the errors the service made itself; an error with no origin counts (a sender that
 *   predates origins);
 * - but not one that carries `retryAfterMs` from the service: it answered at once that it is
 *   shedding load (users' password hashing), which is not the slowness a breaker is for;
 * - and not one whose origin is another service (passed through) or `nats` (the connection to
 *   NATS is down: no service's fault, and every breaker would open at once).
 */
export function countsAgainst(service: string, error: unknown): boolean {
  if (!isTransient(error)) return false;
  const { origin } = error as ServiceError;
  if (origin !== undefined && origin !== service) return false;
  return !asksToWait(error);
}

/** One breaker per downstream service, shared by every caller in the process. */
export class BreakerRegistry {
  readonly #breakers = new Map<string, CircuitBreaker>();
  constructor(readonly options: Omit<BreakerOptions, "now"> = defaultBreakerOptions) {}

  /** The breaker of `service`, made on first use. */
  for(service: string): CircuitBreaker {
    let breaker = this.#breakers.get(service);
    if (!breaker) {
      breaker = new CircuitBreaker(service, this.options);
      this.#breakers.set(service, breaker);
    }
    return breaker;
  }

  /** Every breaker made so far (metrics). */
  all(): CircuitBreaker[] {
    return [...this.#breakers.values()];
  }
}
