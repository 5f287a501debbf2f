/**
 * `deno task dev`: a second Ctrl-C seconds after the first, while the graceful stop still waits
 * for a service, kills everything at once and leaves no process behind.
 */
import assert from "node:assert/strict";
import type { DevStack } from "../infra/dev/stack_file.ts";
import { freePortOffset, freePortRun } from "./harness/dev_ports.ts";
import { migrationsOf } from "./harness/migrations.ts";
import { seedPgliteDataDirs } from "./harness/pglite_template.ts";
import { exitWithinMs, startDevTask, within } from "./harness/dev_task.ts";
import { processes } from "./harness/process_table.ts";

Deno.test("deno task dev: a second Ctrl-C, seconds after the first, kills at once", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "dev-runner-test-" });
  // Each service's PGlite a copy of a fresh cluster: no initdb six times over.
  await seedPgliteDataDirs(dataDir, Object.keys(migrationsOf));
  const runner = startDevTask({
    DATA_DIR: dataDir,
    DEV_PORT_OFFSET: String(freePortOffset()),
    DEV_NATS_PORT: String(freePortRun(3)),
    // A graceful stop that would outlast the test: only the kill can end it in time.
    STOP_TIMEOUT_MS: "600000",
  });
  const isOurs = (args: string) => args.includes(dataDir);
  try {
    await runner.ready();
    const { pid: devPid }: DevStack = JSON.parse(
      await Deno.readTextFile(`${dataDir}/dev.json`),
    );
    // A gateway that cannot act on SIGTERM (stopped): the graceful stop waits for it.
    const gateway = (await processes()).find((p) =>
      p.ppid === devPid && p.args.includes("services/gateway/main.ts")
    );
    assert.ok(gateway, `no gateway process:\n${runner.tail()}`);
    Deno.kill(gateway.pid, "SIGSTOP");

    Deno.kill(-runner.pid, "SIGINT");
    // The user presses Ctrl-C again two seconds later, the stop still waiting for the gateway.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.deepEqual(runner.output.filter((line) => /SIGKILL/.test(line)), [], runner.tail());
    assert.equal(await within(0, runner.status), undefined, "the runner waits for the gateway");
    Deno.kill(-runner.pid, "SIGINT");

    const status = await within(exitWithinMs, runner.status);
    assert.ok(status, `the runner did not exit within ${exitWithinMs} ms:\n${runner.tail()}`);
    await runner.read;
    assert.ok(
      runner.output.some((line) => /^dev .*stopping now: SIGKILL to every process/.test(line)),
      runner.tail(),
    );
    const leftovers = (await processes()).filter((p) =>
      [devPid, gateway.pid].includes(p.pid) || p.ppid === devPid || isOurs(p.args)
    );
    assert.deepEqual(leftovers, [], "processes the runner started are still running");
  } finally {
    await runner.cleanUp((p) => isOurs(p.args));
    await Deno.remove(dataDir, { recursive: true });
  }
});
