export { type ConsumerOptions, type RunningConsumer, startEventConsumer } from "./consumer.ts";
export { deliveryDefaults, redeliveryDelayMs } from "./delivery.ts";
export { durableConfig, filterSubject } from "./durable.ts";
export { orderingKey } from "./ordering.ts";
export {
  deadLetterHeaders,
  deadLettersStream,
  deadLetterSubject,
  sendToDeadLetters,
} from "./dead_letters.ts";
export { type EventHandler, type HandlerContext, handlerContext, on } from "./handler.ts";
export {
  handleEachOnce,
  type HandleOutcome,
  type InboxEntry,
  type InboxTable,
  inboxTable,
  markHandled,
  resumePosition,
} from "./inbox.ts";
export {
  type Delivery,
  type Dispatcher,
  eventDispatcher,
  type Plan,
  type StreamMessage,
} from "./dispatch.ts";
export { type ReplayOptions, replayRange } from "./replay.ts";
export { purgeInbox } from "./inbox_purge.ts";
export {
  checkInboxRetention,
  clockSkewAllowanceMs,
  configuredHorizon,
  inboxRetentionFloorMs,
  type RedeliveryHorizon,
  republishAllowanceMs,
  serverHorizon,
} from "./inbox_retention.ts";
