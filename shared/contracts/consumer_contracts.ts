/**
 * Consumer-driven contracts for events: each handler declares the fields of the event's data it
 * reads (`reads`), and those are recorded, per consumer and `<type>@<version>`, with each field's
 * JSON Schema (zod's `z.toJSONSchema`) as the consumer took it and whether it was present for
 * sure. A producer's schema then must still give every recorded field, present where it was
 * required, and of a compatible type: the same, or narrower (a smaller range, fewer enum values).
 * A recorded field's schema is never rewritten by the generator: accepting a changed type is the
 * consumer's decision (delete its entry, then generate again).
 */
import * as z from "zod";
import type { EventDefinition } from "./envelope.ts";

/** A JSON Schema node as `z.toJSONSchema` writes it. */
export type JsonSchema = { [key: string]: unknown };

/** One field a consumer reads: whether it was always present, and its JSON Schema. */
export interface ReadField {
  required: boolean;
  schema: JsonSchema;
}

/** consumer -> `<type>@<version>` -> field -> what it relies on. */
export type ConsumerContracts = Record<string, Record<string, Record<string, ReadField>>>;

/** What a handler says of its event for a contract: the event and the fields it reads. */
export interface Reader {
  event: EventDefinition;
  reads?: readonly string[];
}

/** The JSON Schema of an event's data: `properties` and `required`. */
export function dataSchema(event: EventDefinition): JsonSchema {
  const data = event.schema.shape.data;
  return z.toJSONSchema(data, { unrepresentable: "any" }) as JsonSchema;
}

/** A field of an event's data as a reader finds it now, or undefined when the data has none. */
export function fieldOf(event: EventDefinition, field: string): ReadField | undefined {
  const schema = dataSchema(event);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  if (!(field in properties)) return undefined;
  const required = ((schema.required ?? []) as string[]).includes(field);
  return { required, schema: properties[field] };
}

/**
 * The contracts the readers of each consumer make, keeping each field already `recorded` as it
 * was (the consumer agreed to that), adding the fields now read and dropping those no longer read.
 * Throws for a field its event's data does not have.
 */
export function recordContracts(
  readers: Record<string, readonly Reader[]>,
  recorded: ConsumerContracts = {},
): ConsumerContracts {
  const contracts: ConsumerContracts = {};
  for (const [consumer, list] of Object.entries(readers).sort(([a], [b]) => a.localeCompare(b))) {
    for (const { event, reads } of list) {
      const key = `${event.type}@${event.version}`;
      for (const field of [...reads ?? []].sort()) {
        const now = fieldOf(event, field);
        if (!now) throw new Error(`${consumer} reads ${key} ${field}: its data has no such field`);
        const kept = recorded[consumer]?.[key]?.[field];
        ((contracts[consumer] ??= {})[key] ??= {})[field] = kept ?? now;
      }
    }
  }
  return contracts;
}

/**
 * What is wrong between the events producers define (`producers`) and what consumers rely on
 * (`contracts`), one line each: a subject and version no producer defines, a field dropped, made
 * optional or retyped. Empty: every consumer gets what it reads.
 */
export function contractViolations(
  contracts: ConsumerContracts,
  producers: readonly EventDefinition[],
): string[] {
  const problems: string[] = [];
  for (const [consumer, events] of Object.entries(contracts)) {
    for (const [key, fields] of Object.entries(events)) {
      const defined = producers.filter((p) => `${p.type}@${p.version}` === key);
      if (defined.length === 0) problems.push(`${consumer} reads ${key}: no producer defines it`);
      for (const producer of defined) {
        for (const [field, wanted] of Object.entries(fields)) {
          const where = `${consumer} reads ${key} ${field}`;
          const given = fieldOf(producer, field);
          if (!given) problems.push(`${where}: the producer's data has no such field`);
          else if (wanted.required && !given.required) {
            problems.push(`${where}: the producer made it optional`);
          } else {
            problems.push(...schemaProblems(given.schema, wanted.schema, where));
          }
        }
      }
    }
  }
  return problems;
}

const lowerBounds = ["minimum", "exclusiveMinimum", "minLength", "minItems"];
const upperBounds = ["maximum", "exclusiveMaximum", "maxLength", "maxItems"];

/**
 * Why values the `producer` schema allows may not be what `consumer` expects (empty: compatible).
 * Compatible: JSON types the reader takes (an integer where a number is, a value where a nullable
 * one is), enum values and bounds within the consumer's, the same pattern and format, every
 * property the consumer requires required and compatible in turn, array items compatible.
 */
export function schemaProblems(
  producer: JsonSchema,
  consumer: JsonSchema,
  where: string,
): string[] {
  const alternatives = (s: JsonSchema) => (s.anyOf as JsonSchema[] | undefined) ?? [s];
  if (producer.anyOf || consumer.anyOf) {
    return alternatives(producer).flatMap((branch) =>
      alternatives(consumer).some((c) => schemaProblems(branch, c, where).length === 0)
        ? []
        : [`${where}: ${JSON.stringify(branch)} matches none the reader expects`]
    );
  }
  const problems: string[] = [];
  // `type` may list several (a nullable field): each the producer may give, the reader must take.
  const typesOf = (s: JsonSchema) => [s.type ?? []].flat() as string[];
  if (consumer.type !== undefined) {
    const taken = typesOf(consumer);
    const given = typesOf(producer);
    const fits = given.length > 0 &&
      given.every((type) =>
        taken.includes(type) || (type === "integer" && taken.includes("number"))
      );
    if (!fits) {
      return [`${where}: is ${given.join(" or ")}, the reader expects ${taken.join(" or ")}`];
    }
  }
  const valuesOf = (s: JsonSchema) =>
    (s.enum as unknown[] | undefined) ?? ("const" in s ? [s.const] : undefined);
  const wantedValues = valuesOf(consumer);
  if (wantedValues) {
    const given = valuesOf(producer);
    const extra = given ? given.filter((v) => !wantedValues.includes(v)) : ["any"];
    if (extra.length) problems.push(`${where}: values ${JSON.stringify(extra)} the reader lacks`);
  }
  for (const bound of [...lowerBounds, ...upperBounds]) {
    if (consumer[bound] === undefined) continue;
    const [given, wanted] = [producer[bound] as number | undefined, consumer[bound] as number];
    const within = given !== undefined &&
      (lowerBounds.includes(bound) ? given >= wanted : given <= wanted);
    if (!within) problems.push(`${where}: ${bound} ${given ?? "none"}, the reader's is ${wanted}`);
  }
  for (const exact of ["pattern", "format"]) {
    if (consumer[exact] !== undefined && producer[exact] !== consumer[exact]) {
      problems.push(`${where}: ${exact} changed`);
    }
  }
  const wantedProperties = (consumer.properties ?? {}) as Record<string, JsonSchema>;
  const givenProperties = (producer.properties ?? {}) as Record<string, JsonSchema>;
  const requiredBy = (s: JsonSchema) => (s.required ?? []) as string[];
  for (const [name, wanted] of Object.entries(wantedProperties)) {
    const given = givenProperties[name];
    const needed = requiredBy(consumer).includes(name);
    if (needed && (!given || !requiredBy(producer).includes(name))) {
      problems.push(`${where}.${name}: missing or optional`);
    } else if (given) problems.push(...schemaProblems(given, wanted, `${where}.${name}`));
  }
  if (consumer.items) {
    problems.push(
      ...schemaProblems((producer.items ?? {}) as JsonSchema, consumer.items as JsonSchema, where),
    );
  }
  return problems;
}
