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
 * What a handler declares beside its code. `reads`: the fields of the event's data it reads (the
 * consumer's side of the contract, checked against every producer's schema by the contract tests).
 * `onDeadLetter`: what the service states when the event is given up on (its handler failed on
 * every delivery and it went to the dead letters), such as a compensation's failure; it runs in a
 * transaction of its own, with `reason` the last failure's text.
 */
export interface HandlerOptions<E extends EventDefinition = EventDefinition> {
  reads?: readonly (keyof EventOf<E>["data"] & string)[];
  onDeadLetter?: (event: EventOf<E>, ctx: HandlerContext, reason: string) => Promise<void>;
}

/**
 * What a service does when an event of type `E` happens: `handle` runs in the transaction that
 * records the event in the inbox; what it throws rolls both back and the event is retried.
 */
export interface EventHandler<E extends EventDefinition = EventDefinition>
  extends HandlerOptions<E> {
  event: E;
  handle(event: EventOf<E>, ctx: HandlerContext): Promise<void>;
}

/** Declares what a service does when `event` happens (and, in `options`, what it reads). */
export function on<E extends EventDefinition>(
  event: E,
  handle: (event: EventOf<E>, ctx: HandlerContext) => Promise<void>,
  options: HandlerOptions<E> = {},
): EventHandler {
  return { event, handle, ...options } as unknown as EventHandler;
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
