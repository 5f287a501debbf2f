/**
 * The field types every contract builds on, so that a value Postgres would refuse is refused
 * here first, as a 400 naming the field, never as a database error. The bounds are in
 * `limits.ts`.
 */
import * as z from "zod";
import { maxCorrelationIdLength } from "./limits.ts";

// A UTF-16 high surrogate not followed by a low one, or a low one not preceded by a high one:
// JSON can carry them (`"\ud800"`), UTF-8 cannot, and the driver would store U+FFFD instead.
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * What a one-line text may not hold: the C0 and C1 control characters (Unicode general category
 * Cc: U+0000-U+001F, U+007F-U+009F, so also tab, CR and LF) and the line and paragraph separators
 * U+2028, U+2029. A terminal obeys control characters (ESC starts an escape sequence, ECMA-48),
 * so text an operator reads in one must not carry them.
 */
export const lineBreakingOrControl = /[\p{Cc}\u2028\u2029]/u;

/**
 * A string of at most `max` UTF-16 code units (at least `min`, default 0) that Postgres `text`
 * holds as given: no NUL character (Postgres refuses it, SQLSTATE 22021) and no lone surrogate
 * (not valid Unicode; UTF-8 would change it). With `trim`, surrounding white space is removed
 * before the length is checked. With `line`, it is one line of printable text: no control
 * character at all (see `lineBreakingOrControl`).
 */
export function text(
  max: number,
  { min = 0, trim = false, line = false }: { min?: number; trim?: boolean; line?: boolean } = {},
) {
  let schema = z.string();
  if (trim) schema = schema.trim();
  const checked = schema.min(min).max(max)
    .refine((value) => !value.includes("\u0000"), "must not contain a NUL character")
    .refine((value) => !loneSurrogate.test(value), "must be valid Unicode (a lone surrogate)");
  return line
    ? checked.refine(
      (value) => !lineBreakingOrControl.test(value),
      "must be one line without control characters",
    )
    : checked;
}

/**
 * A UUID (RFC 9562 form, any version; zod's `z.uuid()`), written in lower case. Postgres' `uuid`
 * type ignores case, but ids are also compared as text (maps, sets, event payloads): without one
 * spelling, `01A2…` and `01a2…` would be two products. `.overwrite()` keeps the type and the
 * JSON Schema (format uuid), which `.transform()` would not.
 */
export const uuid = z.uuid().overwrite((value) => value.toLowerCase());

/** Integer cents from 0 to `max`: exact in a JavaScript number, and in a Postgres `bigint`. */
export const cents = (max: number) => z.number().int().nonnegative().max(max);

/**
 * An ISO 8601 date and time with an offset (`2026-11-30T04:25:28.123Z`) that Postgres
 * `timestamptz` takes: zod's format allows year 0000, which Postgres refuses (SQLSTATE 22008).
 */
export const timestamp = z.iso.datetime({ offset: true })
  .refine((value) => !value.startsWith("0000"), "year 0000 does not exist; the first is 0001");

const correlationIdPattern = /^[\w=-]+$/;

/**
 * A correlation id: 1 to 128 characters of `[A-Za-z0-9_=-]`, what the gateway accepts as
 * `x-request-id` (Hono's request-id middleware's charset). It travels in NATS headers, log lines
 * and every event of a saga, so it is short and plain.
 */
export const correlationId = z.string().min(1).max(maxCorrelationIdLength)
  .regex(correlationIdPattern, "letters, digits, _, = and - only");

/**
 * Whether `value` may serve as a correlation id (else the receiver makes a new one): the schema's
 * rules, checked without it, as every request served asks (a zod parse is ten times the cost).
 */
export const isCorrelationId = (value: unknown): value is string =>
  typeof value === "string" && value.length <= maxCorrelationIdLength &&
  correlationIdPattern.test(value);
