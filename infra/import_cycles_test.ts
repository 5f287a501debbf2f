/**
 * The cycle check finds import cycles among the repository's modules and names them: the
 * fixtures in tests/fixtures/cycle/ have one by value and one of types only, and the repository
 * itself has none.
 */
import assert from "node:assert/strict";
import { importCycles, importGraph, localModules } from "./import_cycles.ts";

const fixture = (name: string) => `tests/fixtures/cycle/${name}.ts`;

Deno.test("import cycles: found, named, and none in the repository", async (t) => {
  await t.step("the fixtures' cycles are named, from their first module around", async () => {
    const graph = await importGraph([fixture("a"), fixture("d")]);
    assert.deepEqual(graph.get(fixture("leaf")), []);
    assert.deepEqual(importCycles(graph), [
      [fixture("a"), fixture("b"), fixture("c"), fixture("a")],
      [fixture("d"), fixture("e"), fixture("d")],
    ]);
  });

  await t.step("a graph without a cycle has none; a module importing itself is one", () => {
    const tree = new Map([["a", ["b", "c"]], ["b", ["c"]], ["c", []]]);
    assert.deepEqual(importCycles(tree), []);
    assert.deepEqual(importCycles(new Map([["a", ["a"]]])), [["a", "a"]]);
  });

  await t.step("each set of tied modules is one cycle, by its shortest way round", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["c", "a"]],
      ["c", ["a"]],
      ["x", ["y"]],
      ["y", ["x", "a"]],
    ]);
    assert.deepEqual(importCycles(graph), [["a", "b", "a"], ["x", "y", "x"]]);
  });

  await t.step("every module but the fixtures is an entry", async () => {
    const modules = await localModules();
    assert.ok(modules.includes("infra/check_boundaries.ts"));
    assert.ok(modules.includes("services/registry.ts"));
    assert.ok(modules.some((path) => path.endsWith("_test.ts")));
    assert.ok(!modules.some((path) => path.startsWith("tests/fixtures/")), "fixtures");
    assert.ok(!modules.some((path) => path.startsWith("node_modules/")), "node_modules");
  });

  await t.step("the repository's own modules import in no cycle", async () => {
    assert.deepEqual(importCycles(await importGraph(await localModules())), []);
  });
});
