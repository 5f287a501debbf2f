export {
  causedBy,
  createEvent,
  type EventOrigin,
  outboxHeaderBytes,
  payloadOf,
  publishesThrough,
  refuseOversizedEvent,
} from "./events.ts";
export { enqueueEvent, insertOutboxRow, type OutboxRow, withOutboxRow } from "./enqueue.ts";
export { type Publish, publisher, type PublishWith, statementPublisher } from "./publisher.ts";
export { type OutboxRelay, type RelayOptions, startOutboxRelay } from "./relay.ts";
export { type OutboxTable, outboxTable } from "./table.ts";
export { discardParked, listParked, type ParkedRow, requeueParked } from "./parked.ts";
export { purgePublishedOutbox } from "./purge.ts";
