/**
 * The Events page's forms, read and checked with the operator contracts' own schemas
 * (shared/contracts/operations.ts): a bad value is a ServiceError `invalid` (400 problem+json)
 * naming the field, before anything reaches NATS.
 */
import * as z from "zod";
import { invalidFields } from "../../shared/errors/mod.ts";
import { operatorReason, replayRangeRequest } from "../../shared/contracts/mod.ts";

/** A dead letter's (or any stream message's) sequence, as a path or form value. */
export const sequenceText = z.string().regex(/^[1-9]\d{0,15}$/, "a sequence: 1 or more")
  .transform(Number);

/** Parses `value` with `schema`; throws ServiceError `invalid` with the fields otherwise. */
export function parsed<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidFields(result.error);
  return result.data;
}

/** A discard form: why (3 to 500 characters, one line). */
export const discardForm = z.object({ reason: operatorReason });

/** Blank form fields are absent ones: a browser sends every input, filled or not. */
const optional = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

/**
 * A replay dry-run form: the service to ask, the stream (or a subject inside it), from and to
 * sequences; `services`, the names a service may have.
 */
export function replayForm(services: readonly string[]) {
  return z.object({
    service: z.enum(services as [string, ...string[]]),
    stream: replayRangeRequest.shape.stream,
    subject: optional(replayRangeRequest.shape.subject.unwrap()),
    fromSeq: optional(sequenceText),
    toSeq: optional(sequenceText),
  });
}
