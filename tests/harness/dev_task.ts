/**
 * `deno task dev` run under test as a user runs it, in a process group of its own, its output
 * collected line by line, with a clean-up that leaves no process behind.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type Process, processes } from "./process_table.ts";

/** The repository's root: where `deno task` runs. */
export const root = fileURLToPath(new URL("../..", import.meta.url));
const readyWithinMs = 90_000;
/** How long the runner has to exit once told to stop, in ms. */
export const exitWithinMs = 30_000;

/** The test's environment minus what would point the stack at shared NATS or databases. */
export function runnerEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  for (const name of Object.keys(env)) {
    if (/^(NATS_URL|TOKEN_\w+|DATA_DIR|DEV_.*|(\w+_)?DATABASE_URL)$/.test(name)) delete env[name];
  }
  return env;
}

/** A running `deno task dev`. */
export interface DevTask {
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
export function startDevTask(env: Record<string, string>): DevTask {
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
export async function within<T>(ms: number, promise: Promise<T>): Promise<T | undefined> {
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
