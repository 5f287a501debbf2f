/**
 * A child process whose output is printed line by line behind its coloured, padded name. It
 * runs in its own session (`detached`: setsid on Unix), so a terminal's Ctrl-C, which signals
 * the whole foreground process group, reaches only the runner (and `deno task`, which forwards
 * it to the runner); the runner then stops its children in the order it chooses. The cost: a runner killed with SIGKILL leaves them running.
 */
export interface LabelledProcess {
  name: string;
  pid: number;
  /** Resolves when the process has exited and its last lines are printed. */
  status: Promise<Deno.CommandStatus>;
  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. */
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
  /** SIGKILL now. */
  kill(): void;
}

const palette = [36, 33, 35, 32, 34, 91, 96, 93];

/** `name |` padded to `width`, each index its own colour, plain when NO_COLOR is set. */
export function label(name: string, index: number, width: number): string {
  const text = `${name.padEnd(width)} |`;
  if (Deno.noColor) return text;
  return `\x1b[${palette[index % palette.length]}m${text}\x1b[0m`;
}

/**
 * Starts `command`; throws (Deno.errors.NotFound) at once when there is no such program.
 * `onLine` is also handed each line of its output, stdout's and stderr's (the dashboard's logs).
 */
export function startLabelledProcess(
  name: string,
  prefix: string,
  command: string,
  options: Omit<Deno.CommandOptions, "stdout" | "stderr" | "stdin">,
  onLine: (line: string) => void = () => {},
): LabelledProcess {
  const child = new Deno.Command(command, {
    ...options,
    detached: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const printed = Promise.all([
    printLines(child.stdout, (line) => (console.log(`${prefix} ${line}`), onLine(line))),
    printLines(child.stderr, (line) => (console.error(`${prefix} ${line}`), onLine(line))),
  ]);
  const status = Promise.all([child.status, printed]).then(([status]) => status);

  const signal = (name: Deno.Signal) => {
    try {
      child.kill(name);
    } catch {
      // Already exited.
    }
  };

  return {
    name,
    pid: child.pid,
    status,
    kill: () => signal("SIGKILL"),
    stop: async (graceMs = 5000) => {
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), graceMs);
      try {
        return await status;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

async function printLines(stream: ReadableStream<Uint8Array>, print: (line: string) => void) {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) print(line.replace(/\r$/, ""));
  }
  if (rest) print(rest);
}
