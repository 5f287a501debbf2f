/**
 * The fault points of a handler's transaction (shared/faults/): `before_commit`, in the
 * transaction once the handler ran (a fault there rolls it back: the event is retried), and
 * `after_commit`, once it committed and before the ack (a fault there redelivers an event the
 * inbox already holds). The dispatcher reaches them only while a fault is set (`faultsArmed()`).
 */
import { handlerFaultPoint, injectFault } from "../faults/mod.ts";
import type { HandleOutcome } from "./inbox.ts";

/** `handled`, then the `before_commit` fault of `eventType`'s handler in `service`. */
export async function beforeCommit(
  service: string,
  eventType: string,
  handled: Promise<void>,
): Promise<void> {
  await handled;
  await injectFault(handlerFaultPoint(service, eventType, "before_commit"));
}

/** The `after_commit` fault of each event of `events` whose outcome is `applied`, in order. */
export async function afterCommit(
  service: string,
  events: readonly { type: string }[],
  outcomes: readonly HandleOutcome[],
): Promise<void> {
  for (const [n, event] of events.entries()) {
    if (outcomes[n] !== "applied") continue;
    await injectFault(handlerFaultPoint(service, event.type, "after_commit"));
  }
}
