/** A service run as its own process, as in production, so a test can SIGKILL and restart it. */
import type { NatsConnection } from "@nats-io/nats-core";
import { serviceAnswers } from "../../shared/bus/mod.ts";

export interface ServiceProcess {
  start(): Promise<void>;
  /** SIGKILL by default: no chance to finish anything, as in a crash. */
  kill(signal?: Deno.Signal): Promise<Deno.CommandStatus | null>;
  running(): boolean;
}

export function serviceProcess(
  name: string,
  env: Record<string, string>,
  nc: NatsConnection,
): ServiceProcess {
  let child: Deno.ChildProcess | null = null;
  const entry = new URL(`../../services/${name}/main.ts`, import.meta.url).pathname;
  return {
    running: () => child !== null,
    start: async () => {
      child = new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", entry],
        env: { ...Deno.env.toObject(), LOG_LEVEL: "error", ...env },
        stdout: "null",
        stderr: "inherit",
      }).spawn();
      const until = Date.now() + 60_000;
      while (true) {
        try {
          await serviceAnswers(nc, name, 200);
          return;
        } catch (error) {
          if (Date.now() > until) throw error;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    kill: async (signal = "SIGKILL") => {
      if (!child) return null;
      child.kill(signal);
      const status = await child.status;
      child = null;
      return status;
    },
  };
}

/**
 * Waits until the gateway at `base` says the stack is ready. A service that dies at start-up
 * keeps it from ever being ready: say which one at once rather than wait out the deadline.
 */
export async function stackReady(
  base: string,
  processes: Record<string, Deno.ChildProcess>,
  timeoutMs = 60_000,
): Promise<void> {
  const exited: string[] = [];
  for (const [name, child] of Object.entries(processes)) {
    child.status.then(({ code }) => exited.push(`${name} (exit code ${code})`));
  }
  const until = Date.now() + timeoutMs;
  while (!(await fetch(`${base}/ready`).then((r) => r.text().then(() => r.ok), () => false))) {
    if (exited.length) throw new Error(`exited before the stack was ready: ${exited.join(", ")}`);
    if (Date.now() > until) throw new Error(`the stack was not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
