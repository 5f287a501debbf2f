/** `deno task bench --help` prints its usage; a wrong option is one line and the usage. */
import assert from "node:assert/strict";
import { runDeno } from "../tests/harness/command_line.ts";

const bench = (...args: string[]) => runDeno(["run", "--allow-all", "bench/main.ts", ...args]);

Deno.test("bench: --help and a wrong option answer with the usage, no stack trace", async (t) => {
  await t.step("--help prints the usage and exits 0", async () => {
    const { code, stdout, stderr } = await bench("--help");
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^usage: deno task bench /);
    assert.match(stdout, /--only/);
    assert.equal(stderr, "");
  });
  await t.step("an unknown option names it, prints the usage and exits 2", async () => {
    const { code, stderr } = await bench("--fast");
    assert.equal(code, 2);
    assert.match(stderr, /^bench: .*'--fast'/);
    assert.match(stderr, /usage: deno task bench /);
    assert.doesNotMatch(stderr, /\bat .*\.(ts|js):\d+/, "no stack trace");
  });
});
