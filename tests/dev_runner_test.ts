/**
 * `deno task dev` end to end, on a machine where the ports it wants are taken: it picks others
 * and says so, leaves them in DATA_DIR/dev.json where `deno task ops` finds NATS without
 * NATS_URL, says where the gateway listens once it is ready, and on Ctrl-C (SIGINT to the whole
 * process group of `deno task dev`, as a terminal sends it, so infra/dev.ts gets it twice: from
 * the terminal and forwarded by deno task) stops the services before nats-server, logs nothing
 * at error level and leaves no process behind; a second Ctrl-C seconds later kills everything at
 * once. The data dirs are fresh and the preferred ports random, so it runs beside anything else
 * on the machine.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { DevStack } from "../infra/dev/stack_file.ts";
import { registry as services } from "../services/registry.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const readyWithinMs = 90_000;
const exitWithinMs = 30_000;

Deno.test("deno task dev: taken ports replaced, found by ops, Ctrl-C stops it in order", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "dev-runner-test-" });
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
        /"level":"error"|\[ERR\]|\[FTL\]|stop failed|^error:/.test(line)
      );
      assert.deepEqual(errors, [], "lines at error level");
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

Deno.test("deno task dev: a second Ctrl-C, seconds after the first, kills at once", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "dev-runner-test-" });
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

/** The test's environment minus what would point the stack at shared NATS or databases. */
function runnerEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  for (const name of Object.keys(env)) {
    if (/^(NATS_URL|JWT_SECRET|DATA_DIR|DEV_.*|(\w+_)?DATABASE_URL)$/.test(name)) delete env[name];
  }
  return env;
}

interface DevTask {
  /** deno task's pid, which is also its process group's id. */
  pid: number;
  status: Promise<Deno.CommandStatus>;
  /** Every line of its stdout and stderr so far. */
  output: string[];
  /** Resolves when both streams have ended. */
  read: Promise<unknown>;
  /** The gateway's URL once the runner says it is ready; fails when it exits or takes too long. */
  ready(): Promise<string>;
  /** The runner's own lines, then the last lines of everything: for failure messages. */
  tail(): string;
  /**
   * SIGKILL to deno task, its descendants (found even when a test failed before reading
   * dev.json) and the processes `isOurs` picks; then waits for it and its output.
   */
  cleanUp(isOurs: (process: Process) => boolean): Promise<void>;
}

/**
 * `deno task dev` started as a user starts it: deno task runs infra/dev.ts as its child, in
 * its process group. detached: deno task leads a process group of its own, so a test can signal
 * the group as a terminal's Ctrl-C does, without signalling itself.
 */
function startDevTask(env: Record<string, string>): DevTask {
  const runner = new Deno.Command(Deno.execPath(), {
    args: ["task", "dev"],
    cwd: root,
    clearEnv: true,
    env: {
      ...runnerEnv(),
      ...env,
      NO_COLOR: "1",
      // nats-server stamps its log in local time; the services in UTC. One clock to compare.
      TZ: "UTC",
    },
    detached: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  const output: string[] = [];
  let announced: (url: string) => void;
  const readyLine = new Promise<string>((resolve) => announced = resolve);
  const read = Promise.all(
    [runner.stdout, runner.stderr].map((stream) =>
      eachLine(stream, (line) => {
        output.push(line);
        const match = line.match(/the gateway listens on (http:\/\/\S+)/);
        if (match) announced(match[1]);
      })
    ),
  );
  const tail = () =>
    [...output.filter((line) => line.startsWith("dev ")), "...", ...output.slice(-20)].join("\n");

  return {
    pid: runner.pid,
    status: runner.status,
    output,
    read,
    tail,
    async ready() {
      const started = await within(
        readyWithinMs,
        Promise.race([readyLine, runner.status.then((status) => status.code)]),
      );
      if (typeof started === "string") return started;
      const why = started === undefined
        ? `no ready line within ${readyWithinMs} ms`
        : `the runner exited (${started}) before ready`;
      assert.fail(`${why}; last output:\n${tail()}`);
    },
    async cleanUp(isOurs: (process: Process) => boolean) {
      const all = await processes();
      const ours = new Set([runner.pid, ...all.filter(isOurs).map((p) => p.pid)]);
      for (let more = true; more;) {
        const found = all.filter((p) => ours.has(p.ppid) && !ours.has(p.pid));
        found.forEach((p) => ours.add(p.pid));
        more = found.length > 0;
      }
      for (const pid of ours) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch {
          // Gone meanwhile.
        }
      }
      await runner.status;
      await read;
    },
  };
}

interface Process {
  pid: number;
  ppid: number;
  /** Its process group: a terminal's Ctrl-C signals every process of the foreground group. */
  pgrp: number;
  args: string;
}

/** Every process, from /proc: `ps` (procps) is not on every fresh machine. */
async function processes(): Promise<Process[]> {
  const found: Process[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ")".
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
      const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`);
      const args = `${cmdline.replaceAll("\0", " ")} `;
      found.push({ pid: Number(entry.name), ppid, pgrp, args });
    } catch {
      // Exited while we read.
    }
  }
  return found;
}

function isFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "0.0.0.0", port }).close();
    return true;
  } catch {
    return false;
  }
}

// Service ports land in 18080-28100 and NATS in 29000-32000: apart from each other and below
// Linux's ephemeral range (32768+), where outgoing connections could take them meanwhile.

/** An offset that puts every service port on a free port. */
function freePortOffset(): number {
  for (;;) {
    const offset = 10_000 + Math.floor(Math.random() * 10_000);
    if (services.every((service) => isFree(service.port + offset))) return offset;
  }
}

/** The first of `count` consecutive free ports. */
function freePortRun(count: number): number {
  for (;;) {
    const first = 29_000 + Math.floor(Math.random() * 3_000);
    if (Array.from({ length: count }, (_, i) => first + i).every(isFree)) return first;
  }
}

async function eachLine(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    lines.forEach(onLine);
  }
  if (rest) onLine(rest);
}

/** The promise's value, or undefined if it takes longer than `ms`. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
