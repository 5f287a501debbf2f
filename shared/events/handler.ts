import type { Database } from "../db/client.ts";
import type { EventDefinition, EventOf } from "../contracts/mod.ts";
import type { Logger } from "../log/mod.ts";
import { causedBy, type OutboxTable, type Publish, publisher } from "../outbox/mod.ts";

/** What a handler gets besides its event. */
export interface HandlerContext {
  /** The transaction that also records the event in the inbox: write every effect through it. */
  tx: Database;
  /** A logger that tags lines with the event's correlation id. */
  log: Logger;
  /**
   * Publishes an event in `tx`, stated by this service, with the handled event's correlation id
   * and caused by it; it goes out once `tx` commits. Rejects in a service that publishes nothing.
   */
  publish: Publish;
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

/**
 * The context a handler of `event` runs with in `tx`: its `publish` writes into `outbox` (none:
 * it rejects) as `service`, caused by `event`. The dispatcher makes one per event; a test that
 * calls a handler directly makes it the same way.
 */
export function handlerContext(
  tx: Database,
  event: { id: string; correlationId: string },
  { service, outbox, log }: { service: string; outbox?: OutboxTable; log: Logger },
): HandlerContext {
  return { tx, log, publish: publisher(tx, outbox, causedBy(event, service)) };
}
