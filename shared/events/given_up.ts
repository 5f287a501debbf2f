/**
 * What a service states when it gives up on an event: the handler's `onDeadLetter` (declared with
 * `on(event, handle, { onDeadLetter })`), run when the event goes to the dead letters, in a
 * transaction of its own, its `publish` writing into the service's outbox caused by the event.
 * A compensation that failed for good thus becomes a fact others see (a saga's failure state),
 * not a silence. settle.ts runs it before it terminates the message; when it fails, the message
 * is nak'd and comes back, so the statement is never lost.
 */
import type { Database } from "../db/client.ts";
import { transaction } from "../db/transaction.ts";
import type { Envelope } from "../contracts/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { OutboxTable } from "../outbox/mod.ts";
import { type EventHandler, handlerContext } from "./handler.ts";

/** The service that gives up (a dispatcher's options): where the hook writes and publishes. */
export interface GivingUp {
  service: string;
  db: Database;
  /** Where the hook's `publish` writes; without it, that `publish` rejects. */
  outbox?: OutboxTable;
  log: Logger;
  /** Told of the hook's transaction once it committed (the relay publishes what it wrote). */
  afterCommit?: (tx: Database) => void;
}

/**
 * Runs `handler.onDeadLetter(event, ctx, reason)` (when it has one) in a transaction of its own on
 * `options.db`, with a handler context for `envelope` (its `publish` into `options.outbox`), then
 * tells `options.afterCommit`. Throws what the hook or the commit throws (nothing was committed).
 */
export async function runOnDeadLetter(
  options: GivingUp,
  given: { handler: EventHandler; envelope: Envelope; event: unknown },
  reason: string,
): Promise<void> {
  const onDeadLetter = given.handler.onDeadLetter;
  if (!onDeadLetter) return;
  const { envelope } = given;
  const log = options.log.child({
    correlationId: envelope.correlationId,
    eventId: envelope.id,
    eventType: envelope.type,
  });
  let committed: Database | undefined;
  await transaction(options.db, (tx) => {
    committed = tx;
    const ctx = handlerContext(tx, envelope, {
      service: options.service,
      outbox: options.outbox,
      log,
    });
    return onDeadLetter(given.event as never, ctx, reason);
  });
  options.afterCommit?.(committed!);
}

/**
 * `text` cut to at most `max` UTF-16 code units, as an event's bounded text field takes it: no
 * NUL character, and no lone surrogate left where the cut fell.
 */
export function clipText(text: string, max: number): string {
  const clean = text.replaceAll("\u0000", "");
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
