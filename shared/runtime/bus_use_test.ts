import assert from "node:assert/strict";
import { defineRpcService } from "../contracts/mod.ts";
import { type BusUse, checkBusUse } from "./bus_use.ts";

const api = defineRpcService("a", {});
const stream = (name: string) => ({ name, subjects: [`${name.toLowerCase()}.>`] });
const declared: BusUse = {
  serves: api,
  publishes: stream("A"),
  reactsTo: [stream("B"), stream("C")],
};

Deno.test("a service's bus declaration must be what it runs", async (t) => {
  await t.step("the same, in any order: accepted", () => {
    checkBusUse("a", declared, { serves: "a", publishes: "A", reactsTo: ["C", "B"] });
  });

  await t.step("a stream reacted to but undeclared, or declared but not run: refused", () => {
    assert.throws(
      () => checkBusUse("a", declared, { serves: "a", publishes: "A", reactsTo: ["B", "C", "D"] }),
      /a: its module's bus declaration differs from what it runs: reactsTo: declares \[B, C\], runs \[B, C, D\]/,
    );
    assert.throws(
      () => checkBusUse("a", declared, { serves: "a", publishes: "A", reactsTo: ["B"] }),
      /reactsTo/,
    );
  });

  await t.step("publishing another stream, or none declared: refused", () => {
    assert.throws(
      () => checkBusUse("a", declared, { serves: "a", publishes: "X", reactsTo: ["B", "C"] }),
      /publishes: declares \[A\], runs \[X\]/,
    );
    assert.throws(
      () => checkBusUse("a", { serves: api }, { serves: "a", publishes: "A", reactsTo: [] }),
      /publishes: declares \[\], runs \[A\]/,
    );
  });

  await t.step("serving under another name, or serving undeclared: refused", () => {
    assert.throws(
      () => checkBusUse("a", declared, { serves: "b", publishes: "A", reactsTo: ["B", "C"] }),
      /serves: declares \[a\], runs \[b\]/,
    );
    assert.throws(() => checkBusUse("a", {}, { serves: "a", reactsTo: [] }), /serves/);
  });
});
