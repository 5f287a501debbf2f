export { causedBy, createEvent, type EventOrigin } from "./events.ts";
export { enqueueEvent, type OutboxRelay, type RelayOptions, startOutboxRelay } from "./relay.ts";
export { type OutboxTable, outboxTable } from "./table.ts";
