/**
 * The one envelope every event travels in. Consumers parse with the event's schema, which
 * drops fields they do not know, so a producer can add a field without breaking anyone.
 *
 * Every field is bounded: an envelope is copied into each event it causes (correlation id),
 * so an oversized one would make every derived event oversized too, past NATS max_payload. An
 * envelope outside these bounds is invalid where it is consumed (and dead-lettered as such).
 */
import * as z from "zod";
import { correlationId, timestamp, uuid } from "./fields.ts";
import { maxEventTypeLength, maxServiceNameLength } from "./limits.ts";

/** `<owner>.<aggregate>.<fact>`: lower-case words joined by dots, up to 128 characters. */
export const eventType = z.string().max(maxEventTypeLength)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, "an event type, such as orders.order.placed");

/** The service that published an event, such as `orders`: up to 64 lower-case letters, digits, `-`. */
export const eventSource = z.string().max(maxServiceNameLength)
  .regex(/^[a-z][a-z0-9-]*$/, "a service's name, such as orders");

/**
 * The envelope schema: `id` (uuid, the `Nats-Msg-Id`), `type`, `version` (1 to 1000), `occurredAt`
 * (ISO 8601), `source`, `correlationId`, `causationId` (null for the first event of a saga) and
 * `data`, left to each event's schema.
 */
export const envelope = z.object({
  id: uuid,
  type: eventType,
  version: z.number().int().positive().max(1000),
  occurredAt: timestamp,
  /** The service that published it. */
  source: eventSource,
  /** The request that started the saga (the gateway's `x-request-id`). */
  correlationId,
  /** The id of the event or request that caused this one. */
  causationId: correlationId.nullable(),
  data: z.unknown(),
});
/** An event as it travels, its data not yet read. */
export type Envelope = z.infer<typeof envelope>;

/**
 * What a producer declares about an event beside its data. `orderingKey` names the events that must
 * be applied one after another: it reads the event's checked data and returns the key they share,
 * or `null` when the event needs no order (each is then applied on its own). Consumers hand events
 * of one key to one lane, in stream order (shared/events/ordering.ts); different keys may run side
 * by side.
 *
 * The platform's rule: by user (`user:<userId>`) when the data names a user, else by order
 * (`order:<orderId>`). By user rather than by order: a user's facts touch the same rows (their
 * wallet), and two lanes locking them in different orders would deadlock. Contract tests check it.
 */
export interface EventOptions<Data> {
  // A method, not a property: a definition then stays assignable to `EventDefinition`, whose data
  // is `unknown` (methods are compared bivariantly).
  orderingKey(data: Data): string | null;
}

/**
 * An event's contract: its `type` (also its NATS subject, `<owner>.<aggregate>.<fact>`), its
 * `version`, the schema of its envelope with `data` checked by `data`, and the `orderingKey` its
 * producer declares (see `EventOptions`; undefined when not declared: each event on its own). A
 * changed shape is a new version, defined beside the old one.
 */
export function defineEvent<const T extends string, D extends z.ZodType>(
  type: T,
  version: number,
  data: D,
  options?: EventOptions<z.infer<D>>,
) {
  const schema = envelope.extend({ type: z.literal(type), version: z.literal(version), data });
  /** `subject` is the type: `<owner>.<aggregate>.<fact>`. */
  return { type, version, subject: type, schema, orderingKey: options?.orderingKey };
}

/** Any event's contract, as `defineEvent` makes it. */
export type EventDefinition = ReturnType<typeof defineEvent<string, z.ZodType>>;
/** Whether `value` is an event's contract, as `defineEvent` makes it. */
export function isEventDefinition(value: unknown): value is EventDefinition {
  if (typeof value !== "object" || value === null) return false;
  const { type, version, subject, schema } = value as Partial<EventDefinition>;
  return typeof type === "string" && typeof version === "number" && subject === type &&
    schema instanceof z.ZodObject;
}
/** The envelope type of event `E`, its data typed. */
export type EventOf<E extends EventDefinition> = z.infer<E["schema"]>;
/** The data type of event `E`. */
export type EventData<E extends EventDefinition> = EventOf<E>["data"];

/** A stream owned by one service, holding every event it publishes. */
export interface StreamDefinition {
  name: string;
  subjects: string[];
  /**
   * How long the stream keeps a message, in ms; 0 keeps it for ever. Unset: the kit's
   * `eventStreamMaxAgeMs` (docs/retention.md says why, and what an inbox must then outlive).
   */
  maxAgeMs?: number;
}
