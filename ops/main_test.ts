/**
 * The operator's CLI when nothing answers: a nats-server with no service on it, a mistyped
 * service name, no NATS at all. Each is one line on stderr and a non-zero exit, never a stack
 * trace; and with NATS_URL unset the CLI finds NATS where `deno task dev` wrote it.
 */
import assert from "node:assert/strict";
import { writeDevStack } from "../infra/dev/stack_file.ts";
import { credentialsDir, seedFile } from "../infra/nats/credentials.ts";
import { runDeno } from "../tests/harness/command_line.ts";
import { freePort, startNatsServer } from "../tests/harness/nats_server.ts";

function ops(env: Record<string, string>, ...args: string[]) {
  return runDeno(["task", "-q", "ops", ...args], {
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "", ...env },
  });
}

/** One line of text, and nothing that looks like a stack frame. */
function assertOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  assert.match(lines[0], pattern);
}

Deno.test("ops CLI: nothing answers, a mistyped service, no NATS: one clear line", async (t) => {
  const nats = await startNatsServer();
  const dataDir = await Deno.makeTempDir({ prefix: "ops-cli-test-" });
  try {
    // The operator's identity: the server refuses anonymous clients.
    const env = { NATS_URL: nats.url, NATS_NKEY_SEED: nats.seed("operator")! };

    await t.step("services, with no service on this NATS: exit 1", async () => {
      const { code, stdout, stderr } = await ops(env, "services");
      assert.equal(code, 1);
      assert.equal(stdout, "");
      assertOneLine(stderr, /^ops: no service instance answered within 500 ms/);
    });

    await t.step("services <known name>, with nothing running: exit 1 naming it", async () => {
      const { code, stderr } = await ops(env, "services", "orders", "--wait", "200");
      assert.equal(code, 1);
      assertOneLine(stderr, /^ops: no orders instance answered within 200 ms/);
    });

    await t.step("services <mistyped name>: exit 2, listing the known ones", async () => {
      const { code, stderr } = await ops(env, "services", "ordrs");
      assert.equal(code, 2);
      assert.match(stderr, /^ops: no service "ordrs"; the services are users, catalog, orders,/);
      assert.doesNotMatch(stderr, /\bat .*\.(ts|js):\d+/, "no stack trace");
    });

    await t.step("replay <mistyped name>: exit 2, listing the known ones", async () => {
      const { code, stderr } = await ops(env, "replay", "paymnts", "orders");
      assert.equal(code, 2);
      assert.match(stderr, /^ops: no service "paymnts"; the services are /);
    });

    await t.step("replay or outbox to the gateway, which owns no data: exit 2", async () => {
      for (const args of [["replay", "gateway", "orders"], ["outbox", "gateway"]]) {
        const { code, stderr } = await ops(env, ...args);
        assert.equal(code, 2, args.join(" "));
        assert.match(
          stderr,
          /^ops: gateway owns no data the operator acts on; the services that do are users, /,
        );
        assert.doesNotMatch(stderr.split("\n")[0], /gateway,|, gateway/, "not among them");
      }
    });

    await t.step("outbox <mistyped name>: exit 2, listing the known ones", async () => {
      const { code, stderr } = await ops(env, "outbox", "ordrs");
      assert.equal(code, 2);
      assert.match(stderr, /^ops: no service "ordrs"; the services are /);
    });

    await t.step("no NATS where the URL says: exit 1, credentials not printed", async () => {
      const url = `nats://operator:s3cret@127.0.0.1:${freePort()}`;
      const { code, stderr } = await ops({ NATS_URL: url }, "services");
      assert.equal(code, 1);
      assertOneLine(
        stderr,
        /^ops: cannot reach NATS at nats:\/\/\*\*\*@127\.0\.0\.1:\d+ \(NATS_URL\)/,
      );
      assert.ok(!stderr.includes("s3cret"), stderr);
    });

    await t.step("NATS_URL unset: the URL a dev stack left in DATA_DIR/dev.json", async () => {
      await writeDevStack(dataDir, {
        natsUrl: nats.url,
        gatewayUrl: "http://127.0.0.1:1",
        services: {},
        pid: 1,
        startedAt: new Date().toISOString(),
      });
      // And the operator's seed where the dev runner keeps it.
      await Deno.mkdir(credentialsDir(dataDir));
      await Deno.writeTextFile(
        seedFile(credentialsDir(dataDir), "operator"),
        nats.seed("operator")!,
      );
      // Reaching NATS and finding no service proves the files were read: without them the CLI
      // would try 127.0.0.1:4222, or be refused as anonymous.
      const { code, stderr } = await ops({ DATA_DIR: dataDir }, "services", "--wait", "200");
      assert.equal(code, 1);
      assertOneLine(stderr, /^ops: no service instance answered/);
    });

    await t.step("NATS_URL unset and no dev stack: the default server is named first", async () => {
      // Whether or not something listens on 4222 here, the operator is told which server it is.
      const empty = await Deno.makeTempDir();
      try {
        const { stderr } = await ops({ DATA_DIR: empty }, "services", "--wait", "200");
        assert.match(
          stderr.split("\n")[0],
          /^ops: (cannot reach )?NATS at nats:\/\/127\.0\.0\.1:4222 \(the default: NATS_URL is not set and no .*dev\.json names a dev stack\)/,
        );
      } finally {
        await Deno.remove(empty, { recursive: true });
      }
    });
  } finally {
    await nats.dispose();
    await Deno.remove(dataDir, { recursive: true });
  }
});
