export { causedBy, createEvent, type EventOrigin } from "./events.ts";
export {
  enqueueEvent,
  insertOutboxRow,
  type OutboxRelay,
  type OutboxRow,
  type RelayOptions,
  startOutboxRelay,
  withOutboxRow,
} from "./relay.ts";
export { type OutboxTable, outboxTable } from "./table.ts";
