import assert from "node:assert/strict";
import { longFiles, maxLines } from "./check_file_sizes.ts";

Deno.test("check_file_sizes names each source file over the limit, generated ones aside", async () => {
  const base = `${await Deno.makeTempDir()}/`;
  try {
    const lines = (n: number) => "x\n".repeat(n);
    await Deno.mkdir(`${base}services/users/db/migrations`, { recursive: true });
    await Deno.writeTextFile(`${base}long.ts`, lines(maxLines + 1));
    await Deno.writeTextFile(`${base}exact.ts`, lines(maxLines));
    await Deno.writeTextFile(`${base}long.md`, lines(maxLines + 50));
    await Deno.writeTextFile(`${base}services/users/db/migrations.ts`, lines(maxLines + 9));
    await Deno.writeTextFile(`${base}services/users/db/migrations/0000.sql`, lines(maxLines + 9));
    const paths = [
      "long.ts",
      "exact.ts",
      "long.md",
      "gone.ts",
      "services/users/db/migrations.ts",
      "services/users/db/migrations/0000.sql",
    ];
    assert.deepEqual(await longFiles(paths, base), [{ path: "long.ts", lines: maxLines + 1 }]);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
