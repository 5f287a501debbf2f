/**
 * What a stop signal (SIGINT, SIGTERM, SIGHUP) means to the dev runner: the first starts a
 * graceful stop, a later one ("a second Ctrl-C") kills every process at once.
 *
 * A signal within `sameWithinMs` of the start of the stop is a duplicate of the first, not a
 * second Ctrl-C: under `deno task dev` a terminal's Ctrl-C signals the whole foreground group,
 * so the runner gets it from the terminal and again from `deno task`, which forwards it to its
 * child at once.
 */
export type StopSignalMeaning = "stop" | "duplicate" | "kill";

/** One second: far above the forwarding delay, below a person's deliberate second press. */
export const sameSignalWithinMs = 1000;

export class StopSignals {
  #stoppingSince: number | undefined;

  /** `now` gives milliseconds (performance.now by default); injectable for tests. */
  constructor(
    private readonly sameWithinMs = sameSignalWithinMs,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Marks the start of a graceful stop, whatever began it (a signal, a child that died). */
  stopping(): void {
    this.#stoppingSince ??= this.now();
  }

  /** The meaning of a stop signal received now; the first one also marks the stop's start. */
  received(): StopSignalMeaning {
    if (this.#stoppingSince === undefined) {
      this.stopping();
      return "stop";
    }
    return this.now() - this.#stoppingSince <= this.sameWithinMs ? "duplicate" : "kill";
  }
}
