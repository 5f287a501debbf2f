/**
 * A process the benchmark starts and talks to in lines: it waits for the child's "ready", sends
 * it a line and reads its answer. Written here rather than taken from a library: the standard
 * library's line stream is not on npm, and this needs twenty lines.
 */
import { withTimeout } from "../shared/bus/mod.ts";

/** A running child that speaks one line at a time on stdin and stdout. */
export interface LineChild {
  /** Its process id. */
  pid: number;
  /** Sends `line` and resolves with the next line the child prints. */
  ask(line: string): Promise<string>;
  /** Ends it (SIGTERM), waiting for its exit. */
  stop(): Promise<void>;
}

/**
 * Starts `command` with `args` in `cwd`, with `env` added to this process's environment, and
 * resolves once it prints "ready"; rejects with the tail of its stderr when it exits before, or
 * after `readyMs` ms.
 */
export async function startLineChild(
  command: string,
  args: string[],
  { cwd, env, readyMs = 30_000 }: { cwd?: string; env?: Record<string, string>; readyMs?: number } =
    {},
): Promise<LineChild> {
  const child = new Deno.Command(command, {
    args,
    cwd,
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  void child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (text) => void (stderr = (stderr + text).slice(-2_000)) }),
  );
  const lines = readLines(child.stdout);
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) {
      await child.status;
      throw new Error(`${command} ${args.join(" ")} exited: ${stderr.trim() || "no output"}`);
    }
    return value;
  };
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await writer.close().catch(() => {});
  };
  try {
    const ready = await withTimeout(next(), readyMs, `${command} not ready in ${readyMs} ms`);
    if (ready !== "ready") throw new Error(`${command} printed "${ready}" instead of ready`);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid: child.pid,
    ask: async (line) => {
      await writer.write(encoder.encode(`${line}\n`));
      return await next();
    },
    stop,
  };
}

/** The lines of a stream of UTF-8 text, without their line breaks. */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    buffered += text;
    let end: number;
    while ((end = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
    }
  }
}
