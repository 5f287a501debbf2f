import type { NatsConnection } from "@nats-io/nats-core";
import { v7 as uuidv7 } from "uuid";
import { defaultMaxPayload, maxPayloadOf, oversize, PayloadTooLarge } from "../bus/payload.ts";
import type { Envelope, EventDefinition, EventOf } from "../contracts/mod.ts";
import type { OutboxTable } from "./table.ts";

/**
 * Where an event comes from: the service that states it, the saga's correlation id, and what caused
 * it.
 */
export interface EventOrigin {
  /** The service that states the fact. */
  source: string;
  correlationId: string;
  /** The id of the event or request that caused this one. */
  causationId?: string | null;
}

/** A new event in its envelope, with a time-ordered id (UUIDv7). */
export function createEvent<E extends EventDefinition>(
  definition: E,
  data: EventOf<E>["data"],
  origin: EventOrigin,
): EventOf<E> {
  return definition.schema.parse({
    id: uuidv7(),
    type: definition.type,
    version: definition.version,
    occurredAt: new Date().toISOString(),
    source: origin.source,
    correlationId: origin.correlationId,
    causationId: origin.causationId ?? null,
    data,
  }) as EventOf<E>;
}

/** The origin of an event caused by `cause`: same correlation, caused by that event. */
export function causedBy(
  cause: { id: string; correlationId: string },
  source: string,
): EventOrigin {
  return { source, correlationId: cause.correlationId, causationId: cause.id };
}

/** The max_payload each outbox's rows are held to, read from its relay's connection. */
const maxPayloads = new WeakMap<OutboxTable, () => number>();

/**
 * `table`'s rows are published through `nc`: the events written to it are held to the
 * max_payload of the server `nc` is connected to (read each time: a reconnect may reach
 * another server). The outbox relay says so when it starts.
 */
export function publishesThrough(table: OutboxTable, nc: Pick<NatsConnection, "info">): void {
  maxPayloads.set(table, () => maxPayloadOf(nc));
}

/**
 * Bytes kept for the headers an outbox row goes out with: `Nats-Msg-Id` and framing (about 65),
 * `traceparent` (about 70) and a `tracestate` (W3C Trace Context suggests at most 512 in all).
 */
export const outboxHeaderBytes = 512;

const payloads = new WeakMap<Envelope, string>();

/** An event as the outbox stores and publishes it (JSON), made once however often it is asked. */
export function payloadOf(event: Envelope): string {
  let payload = payloads.get(event);
  if (payload === undefined) payloads.set(event, payload = JSON.stringify(event));
  return payload;
}

/**
 * Throws PayloadTooLarge when `event` could never be published from `table`: its JSON plus
 * `outboxHeaderBytes` over the max_payload of the server `table` publishes to (see
 * `publishesThrough`; NATS's default 1 MiB when no relay said). Called where the event is
 * enqueued, before anything is written, so that the handler or endpoint that made it fails and
 * its transaction rolls back, instead of a row that no relay can publish.
 */
export function refuseOversizedEvent(event: Envelope, table: OutboxTable): void {
  const maxPayload = maxPayloads.get(table)?.() ?? defaultMaxPayload;
  const payloadBytes = oversize(maxPayload - outboxHeaderBytes, payloadOf(event));
  if (payloadBytes === undefined) return;
  const what = `the event ${event.type} ${event.id} with room for its headers`;
  throw new PayloadTooLarge(what, payloadBytes + outboxHeaderBytes, maxPayload);
}
