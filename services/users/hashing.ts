/**
 * Password hashing, bounded: PBKDF2 at 600,000 rounds takes about 85 ms of a core, and run all at
 * once for a flood of logins it made every login overrun its deadline (issue 17, class 8). At
 * most `concurrency` hashes run at once and `maxQueue` wait; a hash that could not be done by the
 * caller's deadline is refused at once as `unavailable` with `retryAfterMs` (503 + Retry-After at
 * the gateway), never left to time out. See shared/resilience/bulkhead.ts.
 */
import { Bulkhead } from "../../shared/resilience/mod.ts";
import { hashPassword, verifyPassword } from "./password.ts";

export interface PasswordHashing {
  /** A new salted hash of `password`, done by `deadline` (epoch ms) or refused. */
  hash(password: string, deadline: number): Promise<string>;
  /** Whether `password` matches `stored`, found by `deadline` (epoch ms) or refused. */
  verify(password: string, stored: string, deadline: number): Promise<boolean>;
  /** Hashes running and waiting, and the mean hash time in ms. */
  readonly load: Bulkhead["load"];
}

export interface PasswordHashingOptions {
  iterations: number;
  /** Hashes at once: about the cores the service may use. */
  concurrency: number;
  /** Hashes waiting at most. */
  maxQueue: number;
}

export function passwordHashing(options: PasswordHashingOptions): PasswordHashing {
  const bulkhead = new Bulkhead({
    name: "password hashing",
    concurrency: options.concurrency,
    maxQueue: options.maxQueue,
  });
  return {
    hash: (password, deadline) =>
      bulkhead.run(() => hashPassword(password, options.iterations), deadline),
    verify: (password, stored, deadline) =>
      bulkhead.run(() => verifyPassword(password, stored), deadline),
    get load() {
      return bulkhead.load;
    },
  };
}
