import type { Database } from "../db/client.ts";
import type { EventDefinition, EventOf } from "../contracts/mod.ts";
import type { Logger } from "../log/mod.ts";

/** What a handler gets besides its event. */
export interface HandlerContext {
  /** The transaction that also records the event in the inbox: write every effect through it. */
  tx: Database;
  /** A logger that tags lines with the event's correlation id. */
  log: Logger;
}

/**
 * What a service does when an event of type `E` happens: `handle` runs in the transaction that
 * records the event in the inbox; what it throws rolls both back and the event is retried.
 */
export interface EventHandler<E extends EventDefinition = EventDefinition> {
  event: E;
  handle(event: EventOf<E>, ctx: HandlerContext): Promise<void>;
}

/** Declares what a service does when `event` happens. */
export function on<E extends EventDefinition>(
  event: E,
  handle: (event: EventOf<E>, ctx: HandlerContext) => Promise<void>,
): EventHandler {
  return { event, handle } as unknown as EventHandler;
}
