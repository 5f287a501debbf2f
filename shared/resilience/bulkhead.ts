/**
 * A bulkhead: at most `concurrency` runs of some costly work at once, at most `maxQueue` waiting
 * for a turn, first come first served. Work that could not be done by its caller's deadline is
 * refused at once as `unavailable` with `retryAfterMs`, instead of waiting in line only to time
 * out: the caller learns at once, the service spends nothing on an answer nobody will read, and
 * a flood cannot turn every caller's request into a timeout (issue 17, class 8: PBKDF2 run 40 at
 * a time made every login overrun its deadline).
 *
 * Whether a turn would come in time is estimated from how long runs took: a moving average
 * (EWMA, weight 0.2 for the newest) of their durations in ms.
 */
import { ServiceError } from "../errors/mod.ts";

/** The limits of one bulkhead. */
export interface BulkheadOptions {
  /** What is limited, as the refusal names it ("password hashing"). */
  name: string;
  /** Runs at once; for CPU-bound work, about the cores it may use. */
  concurrency: number;
  /** Callers waiting at most; one more is refused whatever its deadline. */
  maxQueue: number;
  /** Milliseconds one run is assumed to take before any was measured. */
  initialEstimateMs?: number;
  /** The clock in epoch ms (tests); `Date.now` by default. */
  now?: () => number;
}

interface Waiting {
  work: () => Promise<unknown>;
  deadline: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Limits a costly piece of work to `concurrency` runs at once and `maxQueue` callers waiting, and
 * refuses at once (`unavailable`, `details.retryAfterMs`) a caller whose turn would not come in
 * time for its deadline; see `run`.
 */
export class Bulkhead {
  #running = 0;
  readonly #queue: Waiting[] = [];
  #meanMs: number;
  readonly #now: () => number;

  constructor(readonly options: BulkheadOptions) {
    this.#meanMs = options.initialEstimateMs ?? 0;
    this.#now = options.now ?? Date.now;
  }

  /** Runs being done, callers waiting, and the estimate of one run in ms, for metrics and tests. */
  get load(): { running: number; waiting: number; meanMs: number } {
    return { running: this.#running, waiting: this.#queue.length, meanMs: this.#meanMs };
  }

  /**
   * Runs `work` now or when a turn comes, if it can be over by `deadline` (epoch ms, as from
   * `now`). Throws `unavailable` with `details.retryAfterMs` (the estimated wait) when the line
   * is full, when the wait and the run would pass the deadline, or when the deadline came too
   * near while the caller waited. Whatever `work` throws is thrown as it is.
   */
  run<T>(work: () => Promise<T>, deadline: number): Promise<T> {
    if (this.#running < this.options.concurrency) return this.#start(work);
    const position = this.#queue.length + 1;
    const waitMs = this.#waitMs(position);
    if (position > this.options.maxQueue || this.#now() + waitMs + this.#meanMs > deadline) {
      return Promise.reject(this.#busy(waitMs));
    }
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, deadline, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  /** Time until the caller at `position` in the line starts: each lane ahead runs one by one. */
  #waitMs(position: number): number {
    return Math.ceil(position / this.options.concurrency) * this.#meanMs;
  }

  async #start<T>(work: () => Promise<T>): Promise<T> {
    this.#running++;
    const started = this.#now();
    try {
      return await work();
    } finally {
      this.#running--;
      this.#meanMs = this.#meanMs === 0
        ? this.#now() - started
        : 0.8 * this.#meanMs + 0.2 * (this.#now() - started);
      this.#next();
    }
  }

  #next() {
    while (this.#running < this.options.concurrency && this.#queue.length > 0) {
      const next = this.#queue.shift()!;
      // Its estimate was wrong (runs got slower): refuse now rather than finish too late.
      if (this.#now() + this.#meanMs > next.deadline) {
        next.reject(this.#busy(this.#waitMs(this.#queue.length + 1)));
        continue;
      }
      this.#start(next.work).then(next.resolve, next.reject);
    }
  }

  #busy(waitMs: number): ServiceError {
    return new ServiceError("unavailable", `${this.options.name} is busy; try again shortly`, {
      retryAfterMs: Math.max(1, Math.ceil(waitMs)),
    });
  }
}
