import { v7 as uuidv7 } from "uuid";
import type { EventDefinition, EventOf } from "../contracts/mod.ts";

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
