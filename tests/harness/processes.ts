/** A service run as its own process, as in production, so a test can SIGKILL and restart it. */
import type { NatsConnection } from "@nats-io/nats-core";
import { serviceAnswers } from "../../shared/bus/mod.ts";
import { freePort } from "./nats_server.ts";

export interface ServiceProcess {
  start(): Promise<void>;
  /** SIGKILL by default: no chance to finish anything, as in a crash. */
  kill(signal?: Deno.Signal): Promise<Deno.CommandStatus | null>;
  running(): boolean;
  /** The port it serves HTTP on, when given one. */
  httpPort?: number;
}

/**
 * With `httpPort`, the process serves its own HTTP there, and a start waits for its `/ready`:
 * for one of several instances, whose service answers on NATS before this one is up.
 */
export function serviceProcess(
  name: string,
  env: Record<string, string>,
  nc: NatsConnection,
  { httpPort }: { httpPort?: number } = {},
): ServiceProcess {
  let child: Deno.ChildProcess | null = null;
  const ready = httpPort === undefined ? () => serviceAnswers(nc, name, 200) : async () => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/ready`);
    await res.body?.cancel();
    if (!res.ok) throw new Error(`${name} on ${httpPort} not ready: ${res.status}`);
  };
  const entry = new URL(`../../services/${name}/main.ts`, import.meta.url).pathname;
  return {
    httpPort,
    running: () => child !== null,
    start: async () => {
      child = new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", entry],
        env: {
          ...Deno.env.toObject(),
          LOG_LEVEL: "error",
          ...env,
          ...httpPort !== undefined && { HTTP_PORT: String(httpPort) },
        },
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      // Its log (errors only) kept, to say why when it dies at start-up.
      const log: string[] = [];
      child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream({ write: (text) => void log.push(text) }),
      ).catch(() => {});
      const until = Date.now() + 60_000;
      const exited: Deno.CommandStatus[] = [];
      child.status.then((status) => exited.push(status));
      while (true) {
        try {
          await ready();
          return;
        } catch (error) {
          // Say at once that it died (its port taken, say), not after the wait.
          if (exited.length) {
            throw new Error(`${name} exited at start-up (${exited[0].code}): ${log.join("")}`);
          }
          if (Date.now() > until) throw error;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    kill: async (signal = "SIGKILL") => {
      if (!child) return null;
      // One that died on its own (its status says how) has nothing left to signal.
      try {
        child.kill(signal);
      } catch { /* already exited */ }
      const status = await child.status;
      child = null;
      return status;
    },
  };
}

/**
 * `count` instances of service `name`, not started. Several, or `http` (the gateway, which a
 * balancer sends HTTP to), each serve HTTP on a free port of their own.
 */
export function serviceInstances(
  name: string,
  count: number,
  env: Record<string, string>,
  nc: NatsConnection,
  http = false,
): ServiceProcess[] {
  return Array.from(
    { length: count },
    () => serviceProcess(name, env, nc, count > 1 || http ? { httpPort: freePort() } : {}),
  );
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
