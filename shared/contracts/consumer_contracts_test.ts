/**
 * The compatibility rules of consumer contracts, on JSON Schemas as zod writes them: a nested field
 * dropped from array items, a type or format changed, an optional alternative, bounds widened
 * fail; narrowed bounds and an integer where a number is read pass. And recording keeps a field
 * already recorded as it was.
 */
import assert from "node:assert/strict";
import * as z from "zod";
import { type JsonSchema, recordContracts, schemaProblems } from "./consumer_contracts.ts";
import { defineEvent } from "./envelope.ts";

const schema = (type: z.ZodType) => {
  const { $schema: _, ...rest } = z.toJSONSchema(type) as JsonSchema;
  return rest;
};
const problems = (producer: z.ZodType, consumer: z.ZodType) =>
  schemaProblems(schema(producer), schema(consumer), "f");

Deno.test("consumer contracts: what a producer may change", async (t) => {
  await t.step("narrower or the same passes", () => {
    assert.deepEqual(problems(z.number().int().max(5), z.number().max(10)), []);
    assert.deepEqual(problems(z.enum(["a"]), z.enum(["a", "b"])), []);
    assert.deepEqual(problems(z.string().max(3), z.string().max(3)), []);
    const item = z.object({ id: z.uuid(), n: z.number() });
    assert.deepEqual(problems(z.array(item.extend({ extra: z.string() })), z.array(item)), []);
  });

  await t.step("wider, retyped, reformatted or missing fails", () => {
    assert.deepEqual(problems(z.number().max(20), z.number().max(10)), [
      "f: maximum 20, the reader's is 10",
    ]);
    assert.deepEqual(problems(z.number(), z.number().max(10)), [
      "f: maximum none, the reader's is 10",
    ]);
    assert.deepEqual(problems(z.string(), z.uuid()).length, 2); // format and pattern
    assert.deepEqual(problems(z.number(), z.number().int()), [
      "f: is number, the reader expects integer",
    ]);
    const item = z.object({ id: z.uuid(), n: z.number() });
    assert.deepEqual(problems(z.array(item.omit({ n: true })), z.array(item)), [
      "f.n: missing or optional",
    ]);
    assert.equal(problems(z.string().nullable(), z.string()).length, 1);
    assert.deepEqual(problems(z.string(), z.string().nullable()), []);
  });

  await t.step("recording keeps what a consumer agreed to, and refuses unknown fields", () => {
    const event = defineEvent("a.b.c", 1, z.object({ n: z.number().max(5), s: z.string() }));
    const first = recordContracts({ reader: [{ event, reads: ["n"] }] });
    assert.deepEqual(first.reader["a.b.c@1"].n, {
      required: true,
      schema: schema(z.number().max(5)),
    });
    const changed = defineEvent("a.b.c", 1, z.object({ n: z.string(), s: z.string() }));
    const again = recordContracts({ reader: [{ event: changed, reads: ["n", "s"] }] }, first);
    assert.deepEqual(again.reader["a.b.c@1"].n, first.reader["a.b.c@1"].n);
    assert.deepEqual(Object.keys(again.reader["a.b.c@1"]), ["n", "s"]);
    assert.throws(
      () => recordContracts({ reader: [{ event, reads: ["gone"] }] }),
      /reader reads a.b.c@1 gone: its data has no such field/,
    );
  });
});
