/**
 * The faults this process injects, by point: filled by the watch of the `FAULTS` bucket
 * (watch.ts), read at each fault point. One table per process (a point's name starts with its
 * service's, so services sharing a process never share a point). With no fault set, a point
 * costs one boolean check: `faultsArmed()`.
 */
import type { Logger } from "../log/mod.ts";
import { faultExitCode, type FaultRule } from "./rule.ts";

/** Thrown by a `fail` fault: names the point, so a log or a dead letter says where it came from. */
export class FaultInjected extends Error {
  override name = "FaultInjected";
  constructor(readonly point: string) {
    super(`fault injected at ${point}`);
  }
}

interface Armed {
  rule: FaultRule;
  /** The log of the service whose watch set it: what it injects is told there. */
  log: Logger;
}

const rules = new Map<string, Armed>();
let armed = false;
const done = Promise.resolve();

/** True while any fault is set in this process: a point checks this before anything else. */
export function faultsArmed(): boolean {
  return armed;
}

/** The rule set at `point`, or undefined (one boolean check when no fault is set). */
export function faultAt(point: string): FaultRule | undefined {
  return armed ? rules.get(point)?.rule : undefined;
}

/**
 * Injects the fault set at `point`, if any, with its probability: `fail` rejects with
 * `FaultInjected`, `delay` resolves after `delayMs`, `exit` logs and ends the process with
 * `faultExitCode`. Resolves at once when nothing fires. On a hot path, call it only when
 * `faultsArmed()`: awaiting even a resolved promise costs a turn of the microtask queue.
 */
export function injectFault(point: string): Promise<void> {
  if (!armed) return done;
  const set = rules.get(point);
  if (!set || !(Math.random() < set.rule.probability)) return done;
  const { rule, log } = set;
  if (rule.action === "delay") {
    log.debug("fault injected", { point, action: "delay", delayMs: rule.delayMs });
    return new Promise((resolve) => setTimeout(resolve, rule.delayMs));
  }
  if (rule.action === "exit") {
    log.error("fault injected: ending the process", { point, exitCode: faultExitCode });
    Deno.exit(faultExitCode);
  }
  log.warn("fault injected", { point, action: "fail" });
  return Promise.reject(new FaultInjected(point));
}

/** Sets `rule` at `point`, its firing told to `log` (the watch does this; tests may too). */
export function armFault(point: string, rule: FaultRule, log: Logger): void {
  rules.set(point, { rule, log });
  armed = true;
}

/** Clears the fault at `point`, if any. */
export function disarmFault(point: string): void {
  rules.delete(point);
  armed = rules.size > 0;
}

/** Clears every fault whose point starts with `prefix` (a service's `<name>.`). */
export function disarmFaultsUnder(prefix: string): void {
  for (const point of rules.keys()) if (point.startsWith(prefix)) rules.delete(point);
  armed = rules.size > 0;
}

/** The points with a fault set in this process, and their rules. */
export function faultsSet(): Map<string, FaultRule> {
  return new Map([...rules].map(([point, { rule }]) => [point, rule]));
}
