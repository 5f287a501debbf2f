/** `deno task build` with a wrong option or --help answers with its usage, not a stack trace. */
import assert from "node:assert/strict";
import { runDeno } from "../tests/harness/command_line.ts";

const build = (...args: string[]) => runDeno(["run", "--allow-all", "infra/build.ts", ...args]);

Deno.test("build: --help and a wrong option answer with the usage", async (t) => {
  await t.step("--help: the usage, exit 0", async () => {
    const { code, stdout } = await build("--help");
    assert.equal(code, 0);
    assert.match(stdout, /^usage: deno task build <users\|/);
  });
  await t.step("an unknown option: named, with the usage, exit 2", async () => {
    const { code, stderr } = await build("--fast");
    assert.equal(code, 2);
    assert.match(stderr, /^build: .*'--fast'.*\nusage: deno task build /);
    assert.doesNotMatch(stderr, /\bat .*\.(ts|js):\d+/, "no stack trace");
  });
});
