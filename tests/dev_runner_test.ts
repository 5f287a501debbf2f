/**
 * `deno task dev` end to end: it starts NATS and every service, says where the gateway listens
 * once it is ready, and on Ctrl-C leaves no process behind. Ports are shifted and the data dir
 * is fresh, so it runs beside anything else on the machine.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { services } from "../infra/services.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const readyWithinMs = 90_000;
const exitWithinMs = 30_000;

Deno.test("deno task dev starts the stack and Ctrl-C stops all of it", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "dev-runner-test-" });
  const portOffset = freePortOffset();
  const natsPort = freePortRun(3);

  const runner = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "infra/dev.ts"],
    cwd: root,
    clearEnv: true,
    env: {
      ...runnerEnv(),
      DATA_DIR: dataDir,
      DEV_PORT_OFFSET: String(portOffset),
      DEV_NATS_PORT: String(natsPort),
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  const output: string[] = [];
  let announced: (url: string) => void;
  const ready = new Promise<string>((resolve) => announced = resolve);
  const read = Promise.all(
    [runner.stdout, runner.stderr].map((stream) =>
      eachLine(stream, (line) => {
        output.push(line);
        const match = line.match(/the gateway listens on (http:\/\/\S+)/);
        if (match) announced(match[1]);
      })
    ),
  );
  // The runner's own lines say what it waits for; the services' last lines say the rest.
  const tail = () =>
    [...output.filter((line) => line.startsWith("dev ")), "...", ...output.slice(-20)].join("\n");
  // nats-server names the data dir in its arguments; the services are the runner's children.
  const isOurs = (args: string) => args.includes(dataDir);

  let children: number[] = [];
  try {
    const started = await within(
      readyWithinMs,
      Promise.race([ready, runner.status.then((status) => status.code)]),
    );
    if (typeof started !== "string") {
      const why = started === undefined
        ? `no ready line within ${readyWithinMs} ms`
        : `the runner exited (${started}) before ready`;
      assert.fail(`${why}; last output:\n${tail()}`);
    }
    assert.equal(started, `http://localhost:${8080 + portOffset}`);

    const health = await fetch(`${started}/health`);
    await health.body?.cancel();
    assert.equal(health.status, 200);

    children = (await processes()).filter((p) => p.ppid === runner.pid).map((p) => p.pid);
    assert.equal(children.length, services.length + 1, "nats-server and one per service");

    runner.kill("SIGINT");
    const status = await within(exitWithinMs, runner.status);
    assert.ok(status, `the runner did not exit within ${exitWithinMs} ms`);
    assert.equal(status.code, 0, tail());

    const leftovers = (await processes()).filter((p) => children.includes(p.pid) || isOurs(p.args));
    assert.deepEqual(leftovers, [], "processes the runner started are still running");
  } finally {
    // Whatever failed above, leave nothing running.
    const strays = (await processes()).filter((p) =>
      p.pid === runner.pid || children.includes(p.pid) || isOurs(p.args)
    );
    for (const { pid } of strays) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // Gone meanwhile.
      }
    }
    await runner.status;
    await read;
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

interface Process {
  pid: number;
  ppid: number;
  args: string;
}

async function processes(): Promise<Process[]> {
  const output = await new Deno.Command("ps", { args: ["-eo", "pid=,ppid=,args="] }).output();
  return new TextDecoder().decode(output.stdout).split("\n").flatMap((line) => {
    const match = line.match(/^\s*(\d+)\s+(\d+)\s+(.*)$/);
    return match ? [{ pid: Number(match[1]), ppid: Number(match[2]), args: `${match[3]} ` }] : [];
  });
}

function isFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
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
