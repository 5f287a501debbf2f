/**
 * A service's side of fault injection: it watches its own keys of the `FAULTS` bucket
 * (`<service>.>`) and keeps the process's fault table (table.ts) equal to them. It only reads:
 * the bucket is the operator's to make and write (shared/operator/faults.ts). A service boots
 * without the bucket (faults off, looked for again every `retryMs`), and after a NATS reconnect
 * it reads the bucket afresh (a server that came back may have lost it, or the watch's consumer).
 */
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KvWatchEntry } from "@nats-io/kv";
import type { NatsConnection, QueuedIterator, Status } from "@nats-io/nats-core";
import { errorText } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type FaultRule, faultRule, faultsBucket } from "./rule.ts";
import { armFault, disarmFault, disarmFaultsUnder } from "./table.ts";

/** Where a service watches its faults, and how often it looks for a bucket not there yet. */
export interface FaultWatchOptions {
  /** The service: it watches the keys `<service>.>`. */
  service: string;
  log: Logger;
  /** Wait before looking again when the bucket is missing or the watch failed, in ms (2000). */
  retryMs?: number;
}

/** A running watch of the bucket. */
export interface FaultWatch {
  /** Stops watching and clears this service's faults from the table. */
  stop(): Promise<void>;
}

/**
 * Starts watching `service`'s faults; resolves once the first look at the bucket is done (its
 * faults armed, or the bucket found missing). Never rejects: a missing bucket, a refused or
 * failed watch is logged (once per distinct cause) and tried again after `retryMs`.
 */
export async function watchFaults(
  nc: NatsConnection,
  { service, log, retryMs = 2000 }: FaultWatchOptions,
): Promise<FaultWatch> {
  const prefix = `${service}.`;
  let stopped = false;
  let restart = false;
  // Held in an object: closures assign them, which TypeScript's narrowing of a `let` ignores.
  const now: { watcher?: QueuedIterator<KvWatchEntry>; wake?: () => void } = {};
  let lastProblem = "";
  const first = Promise.withResolvers<void>();
  const ended = () => stopped || nc.isClosed();

  // nats.js's status iterator can be stopped, though its type does not say so.
  const statuses = nc.status() as AsyncIterable<Status> & { stop(): void };
  (async () => {
    for await (const status of statuses) {
      if (status.type !== "reconnect") continue;
      restart = true;
      now.watcher?.stop();
      now.wake?.();
    }
  })();

  const apply = (entry: KvWatchEntry) => {
    const point = entry.key;
    if (entry.operation !== "PUT") {
      disarmFault(point);
      log.info("fault cleared", { point });
      return;
    }
    const rule = readRule(entry.string());
    if (typeof rule === "string") {
      disarmFault(point);
      log.warn("fault ignored: its value is not a fault rule", { point, problem: rule });
      return;
    }
    armFault(point, rule, log);
    log.warn("fault set", { point, ...rule });
  };

  const loop = (async () => {
    while (!ended()) {
      restart = false;
      try {
        // No separate look at the JetStream API first (a round trip on every cold start): the
        // watch itself fails on a server without it, and that is retried like a missing bucket.
        const kvm = new Kvm(jetstream(nc, { checkAPI: false }));
        const entries = await (await kvm.open(faultsBucket)).watch({ key: `${prefix}>` });
        now.watcher = entries;
        if (ended()) entries.stop();
        // From here the watch tells the whole state: what was armed before may be gone.
        disarmFaultsUnder(prefix);
        lastProblem = "";
        first.resolve();
        for await (const entry of entries) apply(entry);
      } catch (error) {
        const problem = errorText(error);
        // No bucket is the normal state of a stack nobody injects faults into: none are set.
        const missing = /stream not found/i.test(problem);
        if (missing) disarmFaultsUnder(prefix);
        if (problem !== lastProblem) {
          log[missing ? "info" : "warn"](
            missing ? "no faults bucket yet: faults off" : "faults not watched; will retry",
            { bucket: faultsBucket, error: problem },
          );
          lastProblem = problem;
        }
      }
      now.watcher = undefined;
      first.resolve();
      if (ended() || restart) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryMs);
        now.wake = () => (clearTimeout(timer), resolve());
      });
      now.wake = undefined;
    }
  })();

  await first.promise;
  return {
    stop: async () => {
      stopped = true;
      statuses.stop();
      now.watcher?.stop();
      now.wake?.();
      await loop;
      disarmFaultsUnder(prefix);
    },
  };
}

/** A KV value as a fault rule, or what is wrong with it (a line for the log). */
export function readRule(value: string): FaultRule | string {
  if (value.length > 1000) return `a value of ${value.length} characters`;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return "not JSON";
  }
  const rule = faultRule.safeParse(json);
  if (rule.success) return rule.data;
  return rule.error.issues.map((i) => `${i.path.join(".") || "(value)"}: ${i.message}`).join("; ");
}
