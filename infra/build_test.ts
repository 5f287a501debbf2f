/** `deno task build` with a wrong option or --help answers with its usage, not a stack trace. */
import assert from "node:assert/strict";

async function build(...args: string[]) {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "infra/build.ts", ...args],
    cwd: new URL("..", import.meta.url),
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: run.code, stdout: text(run.stdout), stderr: text(run.stderr) };
}

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
