/**
 * The operator's kit, shared by the `deno task ops` CLI and the gateway's admin routes:
 * read streams, replay to a service, rebuild a read model, handle dead letters and parked
 * outbox rows, discover service instances, set and clear injected faults, set the streams' max
 * ages. Every action that changes something is recorded (see audit.ts).
 */
export { type OperatorAction, recordAction } from "./audit.ts";
export {
  type DeadLetter,
  discardDeadLetter,
  listDeadLetters,
  redriveDeadLetters,
  showDeadLetter,
} from "./dead_letters.ts";
export { discoverServices, type ServiceInstance } from "./discovery.ts";
export {
  clearFault,
  clearFaults,
  describeFault,
  type FaultActor,
  type FaultEntry,
  listFaults,
  requirePoint,
  setFault,
} from "./faults.ts";
export { actingAs, operatorName } from "./identity.ts";
export { discardOutboxRow, listParkedOutbox, requeueOutboxRow } from "./outbox.ts";
export {
  describeRange,
  knownService,
  rebuildReadModel,
  type ReplayRequest,
  replayToService,
} from "./replay.ts";
export {
  applyStreamRetention,
  describeMaxAge,
  type PublishedStream,
  type RetentionSet,
  setByOperator,
  type StreamRetention,
  streamRetention,
} from "./stream_retention.ts";
export {
  readEntry,
  readStream,
  resolveStream,
  type StreamEntry,
  type StreamQuery,
} from "./stream_reader.ts";
