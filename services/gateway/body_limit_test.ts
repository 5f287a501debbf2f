/**
 * The default body limit is sized to the largest valid request: computed here from the OpenAPI
 * document (built from the zod schemas that validate each body), every string and array at its
 * bound, each character at its longest in JSON (`\u0000`, 6 bytes).
 */
import assert from "node:assert/strict";
import { appWithoutDownstream } from "./testing.ts";
import { defaultBodyLimitBytes } from "./config.ts";

/** The document the app serves; only its routing table is built, nothing downstream is asked. */
async function openApiDocument(): Promise<{ paths: unknown }> {
  const app = await appWithoutDownstream();
  return await (await app.request("/openapi.json")).json();
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  maxItems?: number;
  maxLength?: number;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
};

/** Formats whose strings have a fixed greatest length. */
const formatLengths: Record<string, number> = { uuid: 36 };

/**
 * The most bytes a value valid under `schema` takes as JSON.stringify writes it; Infinity when
 * some string, array or number is unbounded (`path` says where, in `unbounded`).
 */
function largest(schema: JsonSchema, path: string, unbounded: string[]): number {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return Math.max(...alternatives.map((s) => largest(s, path, unbounded)));
  if (schema.enum) return Math.max(...schema.enum.map((v) => JSON.stringify(v).length));
  if (schema.const !== undefined) return JSON.stringify(schema.const).length;
  const types = [schema.type ?? "unknown"].flat().filter((t) => t !== "null");
  const sizes = types.map((type) => {
    switch (type) {
      case "object": {
        const entries = Object.entries(schema.properties ?? {});
        // {"key":value,...}: braces, quotes, colon, and the commas between.
        return 2 + Math.max(0, entries.length - 1) +
          entries.reduce(
            (sum, [key, value]) =>
              sum + JSON.stringify(key).length + 1 + largest(value, `${path}.${key}`, unbounded),
            0,
          );
      }
      case "array": {
        if (schema.maxItems === undefined || !schema.items) break;
        const item = largest(schema.items, `${path}[]`, unbounded);
        return 2 + schema.maxItems * (item + 1);
      }
      case "string": {
        const length = schema.maxLength ?? formatLengths[schema.format ?? ""];
        if (length === undefined) break;
        return 2 + 6 * length;
      }
      case "integer":
      case "number": {
        const low = schema.minimum ?? schema.exclusiveMinimum;
        const high = schema.maximum ?? schema.exclusiveMaximum;
        // Unbounded, a number is at most 24 characters: -1.7976931348623157e+308.
        if (low === undefined || high === undefined) return 24;
        return Math.max(String(low).length, String(high).length) + (type === "number" ? 18 : 0);
      }
      case "boolean":
        return 5;
    }
    unbounded.push(`${path} (${type})`);
    return Infinity;
  });
  return Math.max(4, ...sizes); // null is 4
}

Deno.test("the default body limit exceeds the largest valid body of every route", async () => {
  const paths = (await openApiDocument()).paths as Record<
    string,
    Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>
  >;
  const bodies: [string, number][] = [];
  const unbounded: string[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const schema = operation.requestBody?.content["application/json"]?.schema;
      if (schema) bodies.push([`${method} ${path}`, largest(schema, "body", unbounded)]);
    }
  }
  assert.ok(bodies.length >= 8, `only ${bodies.length} bodies found`);
  assert.deepEqual(unbounded, [], "every string and array of a body is bounded");
  for (const [route, bytes] of bodies) {
    assert.ok(
      bytes <= defaultBodyLimitBytes,
      `${route}: up to ${bytes} bytes, over the ${defaultBodyLimitBytes} limit`,
    );
  }
});
