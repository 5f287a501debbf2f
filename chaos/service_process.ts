/**
 * A service run as a process of its own under a supervisor: the chaos run kills it on purpose
 * (SIGKILL, then starts it again), and when it dies of itself (an `exit` fault, a boot that found
 * NATS down) the supervisor starts it again, as a process manager in production would.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { serviceAnswers } from "../shared/bus/mod.ts";

/** A supervised service process; counts what happened to it for the report. */
export interface SupervisedProcess {
  name: string;
  /** Spawns it (if not running) and resolves once it answers a ping on NATS. */
  start(): Promise<void>;
  /** Kills it on purpose (SIGKILL unless told): the supervisor does not bring it back. */
  kill(signal?: Deno.Signal): Promise<void>;
  /** Whether a process of it is running now. */
  running(): boolean;
  /** Exits nobody asked for (faults, failed boots), each followed by a start. */
  readonly deaths: number;
  /** Stops supervising and ends it with SIGTERM (its graceful stop). */
  stop(): Promise<void>;
}

/** How long a start may take before it counts as failed: a PGlite store's first open is slow. */
const startTimeoutMs = 180_000;

/**
 * Supervises `services/<name>/main.ts` run with `env`; `nc` pings it; its stderr is appended to
 * `logFile`. Throws from `start` when it never answers within 180 s.
 */
export function supervisedProcess(
  name: string,
  env: Record<string, string>,
  nc: NatsConnection,
  logFile: string,
): SupervisedProcess {
  const entry = new URL(`../services/${name}/main.ts`, import.meta.url).pathname;
  let child: Deno.ChildProcess | null = null;
  let supervising = true;
  let deaths = 0;
  let starting: Promise<void> | null = null;

  function spawn() {
    const spawned = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", entry],
      env: { ...Deno.env.toObject(), LOG_LEVEL: "error", ...env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    child = spawned;
    // Its logs (errors only: LOG_LEVEL) and anything it prints, kept for a failed run's reader.
    Deno.open(logFile, { append: true, create: true }).then(async (file) => {
      const writer = file.writable.getWriter();
      const copy = async (stream: ReadableStream<Uint8Array>) => {
        for await (const chunk of stream) await writer.write(chunk);
      };
      await Promise.all([copy(spawned.stdout), copy(spawned.stderr)]).catch(() => {});
      await writer.close().catch(() => {});
    }).catch(() => {});
    spawned.status.then(() => {
      if (child !== spawned) return; // killed on purpose: whoever killed it decides
      child = null;
      if (!supervising) return;
      deaths++;
      // Brought back soon; a start under way spawns it again itself.
      setTimeout(() => supervising && start().catch(() => {}), 200);
    });
  }

  function start(): Promise<void> {
    if (starting) return starting;
    starting = (async () => {
      const until = Date.now() + startTimeoutMs;
      while (true) {
        // A boot that fails (NATS down while it connects) exits: spawn it again.
        if (!child) spawn();
        try {
          await serviceAnswers(nc, name, 300);
          return;
        } catch (error) {
          if (Date.now() > until) {
            const log = await Deno.readTextFile(logFile).catch(() => "");
            throw new Error(
              `${name} did not answer within ${startTimeoutMs} ms (${deaths} exits); ` +
                `its log ends: ${log.slice(-2000) || "(empty)"}`,
              { cause: error },
            );
          }
          if (!supervising) return;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })().finally(() => starting = null);
    return starting;
  }

  async function end(signal: Deno.Signal) {
    const ending = child;
    child = null;
    if (!ending) return;
    try {
      ending.kill(signal);
    } catch {
      // it had exited already
    }
    await ending.status;
  }

  return {
    name,
    start,
    kill: (signal = "SIGKILL") => end(signal),
    running: () => child !== null,
    get deaths() {
      return deaths;
    },
    stop: async () => {
      supervising = false;
      await starting?.catch(() => {});
      await end("SIGTERM");
    },
  };
}
