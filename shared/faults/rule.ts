/**
 * What a fault is, as the `FAULTS` key-value bucket holds it: the key names a fault point, the
 * value (JSON) says what happens there and how often. The names of the points are made here
 * only, so the code that injects and the operator who sets agree on them.
 */
import * as z from "zod";

/** The NATS key-value bucket of the faults (its stream is `KV_FAULTS`). */
export const faultsBucket = "FAULTS";

/** The exit code of a process ended by an `exit` fault: distinct from a crash's 1 or a kill's. */
export const faultExitCode = 86;

/** The longest delay a `delay` fault may ask for, in ms (10 minutes). */
export const maxFaultDelayMs = 600_000;

/**
 * A fault's rule: `fail` throws an Error naming the point, `delay` waits `delayMs` (required,
 * 0..600000 ms) and goes on, `exit` ends the process with `faultExitCode`; each time the point
 * is passed, with `probability` (0: never, 1: always).
 */
export const faultRule = z.strictObject({
  action: z.enum(["fail", "delay", "exit"]),
  probability: z.number().min(0).max(1),
  delayMs: z.number().int().min(0).max(maxFaultDelayMs).optional(),
}).refine((rule) => rule.action !== "delay" || rule.delayMs !== undefined, {
  message: "a delay needs delayMs",
  path: ["delayMs"],
});

/** A fault's rule (see `faultRule`). */
export type FaultRule = z.infer<typeof faultRule>;

/** The actions a fault can take. */
export const faultActions: readonly FaultRule["action"][] = faultRule.shape.action.options;

/** The two moments of a handler's transaction a fault can be put at. */
export type CommitMoment = "before_commit" | "after_commit";

/**
 * `<service>.handle.<event type>.before_commit`: in the handler's transaction, after the handler
 * ran (a fault there rolls it back); `.after_commit`: once it committed, before the ack.
 */
export function handlerFaultPoint(service: string, eventType: string, at: CommitMoment): string {
  return `${service}.handle.${eventType}.${at}`;
}

/** `<service>.relay.before_publish`: the outbox relay, before it publishes a batch of rows. */
export function relayFaultPoint(service: string): string {
  return `${service}.relay.before_publish`;
}

/** `<service>.rpc.<method>`: the RPC endpoint, its request validated, before its handler runs. */
export function rpcFaultPoint(service: string, method: string): string {
  return `${service}.rpc.${method}`;
}
