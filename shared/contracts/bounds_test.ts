/**
 * Every value a request or an event carries is bounded: each string and array has a maximum
 * length, each number is an integer that fits its column, and no string takes what Postgres text
 * refuses.
 */
import assert from "node:assert/strict";
import type * as z from "zod";
import * as contracts from "./mod.ts";
import { allEvents, isRpcService, usersApi } from "./mod.ts";

/** Every RPC contract the module exports: one added is walked with no list to edit. */
const allRpcServices = Object.values(contracts).filter(isRpcService);

/** Every string, number and array inside `schema`, each with the path that leads to it. */
function leaves(schema: z.ZodType, path = ""): { path: string; schema: z.ZodType }[] {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  switch (def.type) {
    case "string":
    case "number":
      return [{ path, schema }];
    case "array":
      return [{ path, schema }, ...leaves(def.element as z.ZodType, `${path}[]`)];
    case "object":
      return Object.entries(def.shape as Record<string, z.ZodType>)
        .flatMap(([key, field]) => leaves(field, path ? `${path}.${key}` : key));
    case "optional":
    case "nullable":
    case "default":
      return leaves(def.innerType as z.ZodType, path);
    case "pipe":
      return leaves(def.in as z.ZodType, path);
    case "union":
      return (def.options as z.ZodType[]).flatMap((option) => leaves(option, path));
    default: // enum, literal, boolean, unknown: nothing to bound
      return [];
  }
}

const checksOf = (schema: z.ZodType) =>
  ((schema as unknown as { _zod: { def: { checks?: { _zod: { def: { check: string } } }[] } } })
    ._zod.def.checks ?? []).map((c) => c._zod.def.check);
const formatOf = (schema: z.ZodType) =>
  (schema as unknown as { _zod: { def: { format?: string } } })._zod.def.format;

/** Every request and event schema, named; the operator's audit fact is the ops contract's. */
const inbound: [string, z.ZodType][] = [
  // Checked against its hash and dropped; an account may predate today's rules for new ones.
  ["rpc.users.login", usersApi.endpoints.login.request.omit({ password: true })],
  ...allRpcServices.flatMap((service) =>
    Object.values(service.endpoints).filter((e) => e.subject !== "rpc.users.login")
      .map((e) => [e.subject, e.request] as [string, z.ZodType])
  ),
  ...allEvents.filter((e) => e.type !== "audit.operator.acted")
    .map((e) => [e.type, e.schema] as [string, z.ZodType]),
];

Deno.test("contracts: every value a request or an event carries is bounded", async (t) => {
  // Formats whose own pattern bounds the length (a UUID is 36 characters).
  const boundedFormats = new Set(["uuid", "datetime"]);
  await t.step("every string and array has a maximum length", () => {
    for (const [name, schema] of inbound) {
      for (const leaf of leaves(schema)) {
        if (leaf.schema.def.type === "number") continue;
        if (boundedFormats.has(formatOf(leaf.schema) ?? "")) continue;
        assert.ok(checksOf(leaf.schema).includes("max_length"), `${name}: ${leaf.path} unbounded`);
      }
    }
  });
  await t.step("every number is an integer with an upper bound, so it fits its column", () => {
    for (const [name, schema] of inbound) {
      for (const leaf of leaves(schema).filter((l) => l.schema.def.type === "number")) {
        const checks = checksOf(leaf.schema);
        assert.ok(checks.includes("number_format"), `${name}: ${leaf.path} is not an integer`);
        assert.ok(
          leaf.schema.safeParse(2 ** 31).success === false || leaf.path.endsWith("Cents"),
          `${name}: ${leaf.path} takes 2^31, past a Postgres integer`,
        );
        assert.equal(leaf.schema.safeParse(2 ** 53).success, false, `${name}: ${leaf.path}`);
      }
    }
  });
  await t.step(
    "no string takes a NUL character or a lone surrogate (Postgres text refuses)",
    () => {
      for (const [name, schema] of inbound) {
        for (const leaf of leaves(schema).filter((l) => l.schema.def.type === "string")) {
          for (const bad of ["\u0000", "a\u0000b", "\ud800", "a\udc00b"]) {
            assert.equal(leaf.schema.safeParse(bad).success, false, `${name}: ${leaf.path}`);
          }
        }
      }
    },
  );
});
