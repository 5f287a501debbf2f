/**
 * The one envelope every event travels in. Consumers parse with the event's schema, which
 * drops fields they do not know, so a producer can add a field without breaking anyone.
 */
import { z } from "zod";

export const envelope = z.object({
  id: z.uuid(),
  type: z.string(),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  source: z.string(),
  correlationId: z.string(),
  causationId: z.string().nullable(),
  data: z.unknown(),
});
export type Envelope = z.infer<typeof envelope>;

export function defineEvent<const T extends string, D extends z.ZodType>(
  type: T,
  version: number,
  data: D,
) {
  const schema = envelope.extend({ type: z.literal(type), version: z.literal(version), data });
  /** `subject` is the type: `<owner>.<aggregate>.<fact>`. */
  return { type, version, subject: type, schema };
}

export type EventDefinition = ReturnType<typeof defineEvent<string, z.ZodType>>;
export type EventOf<E extends EventDefinition> = z.infer<E["schema"]>;
export type EventData<E extends EventDefinition> = EventOf<E>["data"];

/** A stream owned by one service, holding every event it publishes. */
export interface StreamDefinition {
  name: string;
  subjects: string[];
}
