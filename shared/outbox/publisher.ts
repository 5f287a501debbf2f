/**
 * Publishing as handlers and endpoints see it: `publish(definition, data)`, bound by the runtime
 * to the service's outbox, its name as the source, and the cause (the event being handled, or the
 * request). Nothing outside the runtime names the outbox table, the source or the causation.
 */
import type { Database } from "../db/client.ts";
import type { EventData, EventDefinition, EventOf } from "../contracts/mod.ts";
import { enqueueEvent, type OutboxRow, withOutboxRow } from "./enqueue.ts";
import { createEvent, type EventOrigin, refuseOversizedEvent } from "./events.ts";
import type { OutboxTable } from "./table.ts";

/**
 * Publishes an event of `definition` with `data`, in the transaction it was bound to: the event
 * is written to the outbox (its statement sent at once, its answer awaited at the commit) and
 * goes out once the transaction commits. Resolves to the event, in its envelope. Rejects with
 * what `createEvent` throws for data the schema refuses, with `PayloadTooLarge` for an event no
 * relay could publish, and with an Error when the service publishes nothing (no outbox).
 */
export type Publish = <E extends EventDefinition>(
  definition: E,
  data: EventData<E>,
) => Promise<EventOf<E>>;

/**
 * Publishes an event of `definition` with `data` through one statement that writes the change
 * and the outbox row together (no BEGIN, no COMMIT): `write` gets the outbox row to insert and the
 * event, runs the statement, and resolves true when the statement wrote the row, false when it
 * wrote nothing (e.g. a key used before). A written row is handed to the relay at once. Resolves
 * to the event when it was written, null when not; rejects as `Publish` does, or with what
 * `write` throws (then nothing is handed to the relay).
 */
export type PublishWith = <E extends EventDefinition>(
  definition: E,
  data: EventData<E>,
  write: (row: OutboxRow, event: EventOf<E>) => Promise<boolean>,
) => Promise<EventOf<E> | null>;

/**
 * A `Publish` that writes into `outbox` in `tx`, each event stated by `origin.source`, carrying
 * `origin`'s correlation and causation. Without an outbox (a service that publishes nothing),
 * each call rejects with an Error naming `origin.source`.
 */
export function publisher(
  tx: Database,
  outbox: OutboxTable | undefined,
  origin: EventOrigin,
): Publish {
  return async (definition, data) => {
    const event = createEvent(definition, data, origin);
    // Sent before the first await: `enqueueEvent` must send its insert inside the transaction.
    await enqueueEvent(tx, outboxOf(outbox, origin, definition), event);
    return event;
  };
}

/**
 * A `PublishWith` for statements that write their own outbox row into `outbox` (the table the
 * statement writes; its relay's max_payload bounds the event), each event stated by
 * `origin.source` with `origin`'s correlation and causation; `stored` hears of each row a
 * statement wrote, once it has (the relay's `stored`).
 */
export function statementPublisher(
  outbox: OutboxTable | undefined,
  origin: EventOrigin,
  stored: (rows: OutboxRow[]) => void,
): PublishWith {
  return async (definition, data, write) => {
    const event = createEvent(definition, data, origin);
    refuseOversizedEvent(event, outboxOf(outbox, origin, definition));
    const written = await withOutboxRow(event, async (row) => {
      if (!(await write(row, event))) return false;
      stored([row]);
      return true;
    });
    return written ? event : null;
  };
}

function outboxOf(
  outbox: OutboxTable | undefined,
  origin: EventOrigin,
  definition: EventDefinition,
): OutboxTable {
  if (outbox) return outbox;
  throw new Error(
    `${origin.source} cannot publish ${definition.type}: it publishes no events ` +
      "(its service definition has no publishes.outbox)",
  );
}
