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

/** The names of the fields of event `E`'s data. */
export type DataField<E extends EventDefinition> = keyof EventOf<E>["data"] & string;

/**
 * Event `E` as a handler that reads the fields `R` of its data sees it: the whole envelope, and of
 * the data only those fields, so a handler cannot touch a field it did not declare it reads.
 */
export type EventRead<E extends EventDefinition, R extends DataField<E> = DataField<E>> =
  & Omit<EventOf<E>, "data">
  & { data: Pick<EventOf<E>["data"], R> };

/**
 * What a handler declares beside its code. `reads`: the fields of the event's data it reads (the
 * consumer's side of the contract, recorded in shared/contracts/consumer_reads.json and checked
 * against every producer's schema by tests/consumer_contracts_test.ts); the handler sees only
 * those. `onDeadLetter`: what the service states when the event is given up on (its handler failed
 * on every delivery and it went to the dead letters), such as a compensation's failure; it runs in
 * a transaction of its own, with `reason` the last failure's text.
 */
export interface HandlerOptions<
  E extends EventDefinition = EventDefinition,
  R extends DataField<E> = DataField<E>,
> {
  reads: readonly R[];
  onDeadLetter?: (event: EventRead<E, R>, ctx: HandlerContext, reason: string) => Promise<void>;
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

/**
 * Declares what a service does when `event` happens, and in `options` the fields of its data it
 * reads (`reads`, required: `handle` sees only those) and what to state if it is given up on.
 */
export function on<E extends EventDefinition, const R extends DataField<E>>(
  event: E,
  handle: (event: EventRead<E, NoInfer<R>>, ctx: HandlerContext) => Promise<void>,
  options: HandlerOptions<E, R>,
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
