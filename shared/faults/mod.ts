/**
 * Fault injection, the service's side: named fault points on the saga's paths (a handler's
 * transaction before and after its commit, the outbox relay before it publishes, each RPC
 * method) fail, wait or end the process, as the operator sets in the `FAULTS` bucket. Off (no
 * key) a point costs one boolean check. See docs/faults.md.
 */
export {
  type CommitMoment,
  faultActions,
  faultExitCode,
  type FaultRule,
  faultRule,
  faultsBucket,
  handlerFaultPoint,
  maxFaultDelayMs,
  relayFaultPoint,
  rpcFaultPoint,
} from "./rule.ts";
export {
  armFault,
  disarmFault,
  disarmFaultsUnder,
  faultAt,
  FaultInjected,
  faultsArmed,
  faultsSet,
  injectFault,
} from "./table.ts";
export { type FaultWatch, type FaultWatchOptions, readRule, watchFaults } from "./watch.ts";
