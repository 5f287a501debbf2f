/**
 * The Events page's forms, read and checked with the operator contracts' own schemas
 * (shared/contracts/operations.ts): a bad value is a ServiceError `invalid` (400 problem+json)
 * naming the field, before anything reaches NATS.
 */
import type { HonoRequest } from "hono";
import * as z from "zod";
import { invalidFields, ServiceError } from "../../shared/errors/mod.ts";
import {
  operatorReason,
  replayRangeRequest,
  type StreamDefinition,
} from "../../shared/contracts/mod.ts";
import { subjectWithin } from "../../shared/bus/subject_subset.ts";

/**
 * A dead letter's (or any stream message's) sequence, as a path or form value: 1 to 2^53 - 1
 * (a larger one would round to another number).
 */
export const sequenceText = z.string().regex(/^[1-9]\d{0,15}$/, "a sequence: 1 or more")
  .transform(Number).refine(Number.isSafeInteger, "a sequence: at most 9007199254740991");

/**
 * The form fields of `request` (urlencoded or multipart; another body type reads as no fields).
 * Throws ServiceError `invalid` when the body does not parse (a multipart without its boundary).
 */
export async function formFields(request: HonoRequest): Promise<Record<string, unknown>> {
  try {
    return await request.parseBody();
  } catch (error) {
    throw new ServiceError("invalid", `the body is not a form: ${(error as Error).message}`);
  }
}

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
 * sequences; `services`, the names a service may have; `streams`, those whose subjects are known:
 * a subject outside the chosen one's is refused here (the service would fail on it, not refuse).
 */
export function replayForm(services: readonly string[], streams: readonly StreamDefinition[] = []) {
  return z.object({
    service: z.enum(services as [string, ...string[]]),
    stream: replayRangeRequest.shape.stream,
    subject: optional(replayRangeRequest.shape.subject.unwrap()),
    fromSeq: optional(sequenceText),
    toSeq: optional(sequenceText),
  }).refine(({ stream, subject }) => {
    const filters = streams.find((known) => known.name === stream)?.subjects;
    return !subject || !filters || filters.some((filter) => subjectWithin(subject, filter));
  }, { message: "the subject is not inside the stream's subjects", path: ["subject"] });
}
