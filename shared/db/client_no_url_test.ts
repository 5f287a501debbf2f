/**
 * A service with no DATABASE_URL in a process that may not touch files (a bundle run with
 * --allow-net --allow-env, as on an edge runtime) is told which variable is missing, not
 * "Requires write access".
 */
import assert from "node:assert/strict";

Deno.test("openDatabase without a URL or file access names DATABASE_URL", async () => {
  const script = `
    import { openDatabase } from "./shared/db/client.ts";
    try {
      await openDatabase({ service: "users", migrations: [], dataDir: ".data" });
      console.log("opened");
    } catch (error) {
      console.log(\`\${error.name}: \${error.message}\`);
    }`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-env", "-"],
    cwd: new URL("../..", import.meta.url),
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const output = await child.output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  assert.match(stdout, /^ConfigError: DATABASE_URL is not set, and embedded PGlite needs to read/);
  assert.match(stdout, /set DATABASE_URL or USERS_DATABASE_URL to a postgres:\/\/ URL/);
});
