/**
 * Field values for the fuzzer: valid ones a schema accepts (the baseline each case changes one
 * thing of) and hostile ones (wrong type, out of range, odd encodings) for paths, queries, tokens
 * and bodies.
 */
import { pick, random } from "./random.ts";
import type { Schema } from "./openapi.ts";

/** Values the stack knows (a real product, order and stream), for fields a schema cannot make. */
export interface Known {
  productId: string;
  orderId: string;
  userToken: string;
  adminToken: string;
  /** Signed with the stack's key, expired: refused for its `exp` alone. */
  expiredToken: string;
}

/** Values for the fields a schema alone would fill with nonsense (an email, a service's name). */
const fieldValues: Record<string, () => unknown> = {
  email: () => `fuzz-${Math.floor(random() * 1e9)}@example.com`,
  password: () => "correct horse battery",
  name: () => "Fuzz",
  service: () => pick(["payments", "history", "notifications"]),
  from: () => pick(["ORDERS", "orders.order.placed", "orders.>"]),
  reason: () => "fuzzing the gateway",
  dryRun: () => true,
};

/** A value the schema accepts (given `known` for the ids it cannot make up). */
export function valid(schema: Schema, known: Known, field = ""): unknown {
  if (field === "productId") return known.productId;
  if (fieldValues[field]) return fieldValues[field]();
  if (schema.anyOf) return valid(schema.anyOf[0], known, field);
  if (schema.enum) return schema.enum[0];
  const type = [schema.type ?? "string"].flat()[0];
  switch (type) {
    case "object":
      return Object.fromEntries(
        Object.entries(schema.properties ?? {})
          .filter(([name]) => schema.required?.includes(name) || random() < 0.5)
          .map(([name, property]) => [name, valid(property, known, name)]),
      );
    case "array":
      return Array.from(
        { length: Math.max(1, schema.minItems ?? 1) },
        () => valid(schema.items ?? {}, known),
      );
    case "integer":
    case "number": {
      const low = schema.minimum ?? (schema.exclusiveMinimum ?? 0) + 1;
      return Math.min(low + Math.floor(random() * 3), schema.maximum ?? Infinity);
    }
    case "boolean":
      return random() < 0.5;
    default:
      if (schema.format === "uuid") return crypto.randomUUID();
      if (schema.format === "date-time") return new Date().toISOString();
      return "x".repeat(Math.max(1, schema.minLength ?? 1));
  }
}

/** Values of the wrong type or out of range, for a field of `schema`. */
export function hostile(schema: Schema): unknown[] {
  const huge = "A".repeat(Math.min(60_000, (schema.maxLength ?? 1000) * 4 + 1));
  return [
    null,
    true,
    [],
    {},
    [[[[[[[[[[[]]]]]]]]]]],
    "",
    huge,
    "nul\u0000byte",
    "lone \ud800 surrogate",
    "\u202e\ufeff\u0301",
    -1,
    0,
    0.5,
    -0.000001,
    1e308,
    -1e308,
    2 ** 53 + 2,
    Number.MAX_SAFE_INTEGER,
    "1",
    "NaN",
    { $gt: 0 },
    ["x"],
  ];
}

/** Path parameter values no route should take: not ids, traversal, bad UTF-8, wildcards. */
export const badPathValues = [
  "not-a-uuid",
  "x".repeat(5000),
  "%00",
  "..%2F..%2Fetc%2Fpasswd",
  "%F0%9F%92%A9",
  "%ED%A0%80", // a lone surrogate, UTF-8 encoded: not valid UTF-8
  "%FF%FE",
  "%",
  "-1",
  "0",
  "1.5",
  "1e309",
  "99999999999999999999999",
  "ORDERS.>",
  "*",
  "00000000-0000-0000-0000-000000000000",
];

/** Query values of the wrong type, out of range, or not valid subjects. */
export const badQueryValues = [
  "abc",
  "-5",
  "0",
  "2.5",
  "1e400",
  "99999999999999999999999",
  "x".repeat(10_000),
  "\u0000",
  "\ud800",
  "orders..placed",
  "orders.>.x",
  "a b",
  "",
];

/** Bearer tokens that are not tokens, or not ones the gateway signed. */
export const badTokens = [
  "",
  "garbage",
  "a.b.c",
  "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", // alg none
  "x".repeat(8000),
];
