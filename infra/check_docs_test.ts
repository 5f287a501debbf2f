import assert from "node:assert/strict";
import { kitModules, undocumentedExports } from "./check_docs.ts";

Deno.test("check_docs names each export of the kit without a doc comment", async (t) => {
  const base = `${await Deno.makeTempDir()}/`;
  try {
    await Deno.mkdir(`${base}shared/kit`, { recursive: true });
    await Deno.mkdir(`${base}shared/db`, { recursive: true });
    await Deno.writeTextFile(
      `${base}shared/kit/mod.ts`,
      [
        "/** The module's own comment documents no export. */",
        'export { bare, documented } from "./parts.ts";',
        "/** Documented. */",
        "export const limit = 3;",
        "export type Shape = { at: number };",
        "// A line comment is no doc comment.",
        "export class Breaker {}",
      ].join("\n"),
    );
    await Deno.writeTextFile(
      `${base}shared/kit/parts.ts`,
      "/** Documented. */\nexport function documented() {}\nexport function bare() {}\n",
    );
    await Deno.writeTextFile(`${base}shared/kit/mod_test.ts`, "export const untested = 1;\n");
    await Deno.writeTextFile(`${base}shared/db/client.ts`, "export interface Database {}\n");
    await Deno.writeTextFile(`${base}shared/db/migrations.ts`, "export const migrations = [];\n");

    await t.step("the kit is shared/**, tests and generated migrations aside", () => {
      assert.deepEqual(kitModules(base), [
        "shared/db/client.ts",
        "shared/kit/mod.ts",
        "shared/kit/parts.ts",
      ]);
    });
    await t.step("each undocumented export once, where it is declared", async () => {
      const missing = await undocumentedExports(kitModules(base), base);
      assert.deepEqual(
        missing.map(({ file, kind, name }) => `${file} ${kind} ${name}`),
        [
          "shared/db/client.ts interface Database",
          "shared/kit/mod.ts typeAlias Shape",
          "shared/kit/mod.ts class Breaker",
          "shared/kit/parts.ts function bare",
        ],
      );
    });
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("every export of this repository's kit has a doc comment", async () => {
  assert.deepEqual(await undocumentedExports(kitModules()), []);
});
