/** `deno task bench --help` prints its usage; a wrong option is one line and the usage. */
import assert from "node:assert/strict";

async function bench(...args: string[]) {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "bench/main.ts", ...args],
    cwd: new URL("..", import.meta.url),
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: run.code, stdout: text(run.stdout), stderr: text(run.stderr) };
}

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
