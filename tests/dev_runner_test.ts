/**
 * `deno task dev` end to end, on a machine where the ports it wants are taken: it picks others
 * and says so, leaves them in DATA_DIR/dev.json where `deno task ops` finds NATS without
 * NATS_URL, says where the gateway listens once it is ready, and on Ctrl-C (SIGINT to the whole
 * process group of `deno task dev`, as a terminal sends it, so infra/dev.ts gets it twice: from
 * the terminal and forwarded by deno task) stops the services before nats-server, logs nothing
 * at error level and leaves no process behind. The data dirs are fresh (each service's PGlite a
 * copy of a fresh cluster, which it migrates) and the preferred ports random, so it runs beside
 * anything else on the machine.
 */
import assert from "node:assert/strict";
import type { DevStack } from "../infra/dev/stack_file.ts";
import { registry as services } from "../services/registry.ts";
import { connectNats } from "../shared/bus/mod.ts";
import { signInAnswer } from "./harness/bus_identities.ts";
import { freePortOffset, freePortRun } from "./harness/dev_ports.ts";
import { migrationsOf } from "./harness/migrations.ts";
import { seedPgliteDataDirs } from "./harness/pglite_template.ts";
import { exitWithinMs, root, runnerEnv, startDevTask, within } from "./harness/dev_task.ts";
import { processes } from "./harness/process_table.ts";

Deno.test("deno task dev: taken ports replaced, found by ops, Ctrl-C stops it in order", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "dev-runner-test-" });
  await seedPgliteDataDirs(dataDir, Object.keys(migrationsOf));
  const portOffset = freePortOffset();
  const natsPort = freePortRun(3);
  // Someone else's listeners on the NATS client port and the orders port the runner would take.
  const ordersPort = services.find((s) => s.name === "orders")!.port + portOffset;
  const squatters = [natsPort, ordersPort].map((port) =>
    Deno.listen({ hostname: "127.0.0.1", port })
  );

  const runner = startDevTask({
    DATA_DIR: dataDir,
    DEV_PORT_OFFSET: String(portOffset),
    DEV_NATS_PORT: String(natsPort),
  });
  const { output, read, tail } = runner;
  // nats-server names the data dir in its arguments; the services are the runner's children.
  const isOurs = (args: string) => args.includes(dataDir);

  let devPid: number | undefined;
  let children: number[] = [];
  try {
    const started = await runner.ready();
    assert.equal(started, `http://localhost:${8080 + portOffset}`);

    const stack: DevStack = JSON.parse(await Deno.readTextFile(`${dataDir}/dev.json`));
    // The runner proper, infra/dev.ts: `deno task`'s child, in its group.
    devPid = stack.pid;
    const dev = (await processes()).find((p) => p.pid === devPid);
    assert.equal(dev?.ppid, runner.pid, "infra/dev.ts runs as the child of deno task");
    assert.equal(dev?.pgrp, runner.pid, "infra/dev.ts is in deno task's process group");

    await t.step("taken ports: others chosen, said, and written to dev.json", () => {
      const said = (port: number) =>
        output.find((line) => line.startsWith("dev ") && line.includes(`port ${port} `));
      assert.match(said(natsPort) ?? "", /port \d+ \(NATS client\) is taken: using \d+/, tail());
      assert.match(said(ordersPort) ?? "", /port \d+ \(orders HTTP\) is taken: using \d+/);
      assert.notEqual(stack.natsUrl, `nats://127.0.0.1:${natsPort}`);
      assert.match(stack.natsUrl, /^nats:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(stack.services.orders, `http://localhost:${ordersPort}`);
      assert.equal(stack.gatewayUrl, started);
    });

    await t.step("every service answers on the port it was given", async () => {
      for (const { name } of services) {
        const health = await fetch(`${stack.services[name]}/health`);
        await health.body?.cancel();
        assert.equal(health.status, 200, name);
      }
    });

    await t.step("deno task ops finds the stack with no NATS_URL", async () => {
      const env = runnerEnv();
      const ops = await new Deno.Command(Deno.execPath(), {
        args: ["task", "-q", "ops", "services", "orders", "--wait", "1000"],
        cwd: root,
        clearEnv: true,
        env: { ...env, DATA_DIR: dataDir, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
      assert.equal(ops.code, 0, text(ops.stderr));
      assert.match(text(ops.stdout), /^orders\s/m);
    });

    await t.step(
      "NATS: a seed per identity, readable by its owner alone; no anonymous",
      async () => {
        for (const name of [...services.map((s) => s.name), "operator"]) {
          const { mode } = await Deno.stat(`${dataDir}/credentials/${name}.nk`);
          assert.equal(mode! & 0o777, 0o600, name);
        }
        // Spoken by hand: nats.js's refused socket can surface as an uncaught ECONNRESET.
        assert.match(await signInAnswer(stack.natsUrl), /^-ERR 'Authorization Violation'/);
        // Positive control: a service's own seed gets in, by hand and with nats.js.
        const seed = (await Deno.readTextFile(`${dataDir}/credentials/orders.nk`)).trim();
        assert.equal(await signInAnswer(stack.natsUrl, seed), "PONG");
        await (await connectNats(stack.natsUrl, "orders", seed)).close();
      },
    );

    const childProcesses = (await processes()).filter((p) => p.ppid === devPid);
    children = childProcesses.map((p) => p.pid);
    assert.equal(children.length, services.length + 1, "nats-server and one per service");
    // Outside the runner's group, the terminal's Ctrl-C reaches deno task and the runner alone,
    // which stops them in order. (Inside it, nats-server gets SIGINT with the services and may
    // go first.)
    assert.deepEqual(childProcesses.filter((p) => p.pgrp === runner.pid).map((p) => p.args), []);

    await t.step("Ctrl-C: services stop before nats-server, nothing at error level", async () => {
      // infra/dev.ts gets this SIGINT twice: from the terminal and forwarded by deno task. The
      // two are one Ctrl-C, not the second Ctrl-C that kills everything at once.
      Deno.kill(-runner.pid, "SIGINT");
      const status = await within(exitWithinMs, runner.status);
      assert.ok(status, `the runner did not exit within ${exitWithinMs} ms`);
      assert.equal(status.code, 0, tail());
      await read;

      const errors = output.filter((line) =>
        /"level":"error"|\[ERR\]|\[FTL\]|stop failed|^error:/.test(line) &&
        // The anonymous client the NATS step above had refused, as it should be.
        !/ - authentication error( - Nkey "")?$/.test(line)
      );
      assert.deepEqual(errors, [], "lines at error level");
      // That refusal, once: any other client refused would be a second line.
      assert.equal(output.filter((line) => / - authentication error/.test(line)).length, 1);
      assert.deepEqual(output.filter((line) => /did you mean/.test(line)), []);
      assert.deepEqual(output.filter((line) => /SIGKILL/.test(line)), [], "killed, not stopped");
      const stoppedAt = services.map(({ name }) => {
        const line = output.find((line) =>
          line.startsWith(`${name} `) && line.includes('"msg":"stopped"')
        );
        assert.ok(line, `${name} did not say it stopped:\n${tail()}`);
        return Date.parse(JSON.parse(line.slice(line.indexOf("{"))).time);
      });
      // Had the terminal's SIGINT reached nats-server too, it would have shut down at once,
      // before the services finished draining their connections to it.
      const shutdown = output.find((line) => /^nats .*Initiating Shutdown/.test(line));
      const stamp = shutdown?.match(/(\d{4})\/(\d\d)\/(\d\d) (\d\d:\d\d:\d\d\.\d{3})/);
      assert.ok(stamp, `nats-server did not say it shut down:\n${tail()}`);
      const natsShutdownAt = Date.parse(`${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}Z`);
      assert.ok(
        natsShutdownAt >= Math.max(...stoppedAt),
        `nats-server shut down before the last service stopped:\n${tail()}`,
      );

      const leftovers = (await processes()).filter((p) =>
        p.pid === devPid || children.includes(p.pid) || isOurs(p.args)
      );
      assert.deepEqual(leftovers, [], "processes the runner started are still running");
      await assert.rejects(Deno.stat(`${dataDir}/dev.json`), Deno.errors.NotFound);
    });
  } finally {
    await runner.cleanUp((p) => children.includes(p.pid) || isOurs(p.args));
    squatters.forEach((listener) => listener.close());
    await Deno.remove(dataDir, { recursive: true });
  }
});
