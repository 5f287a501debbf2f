/**
 * The tick: every `intervalMs` the bridge asks each carried service to run its periodic work once
 * (`POST /_bridge/tick`: the outbox relay's sweep, saga deadlines, purges), so that work does
 * not depend on an isolate staying alive. A service's ticks never overlap; a failed one is logged
 * and the next comes on time.
 */
import { bridgePaths } from "../shared/bridge/mod.ts";
import { errorText } from "../shared/errors/mod.ts";
import type { Logger } from "../shared/log/mod.ts";
import { bridgeTicks } from "./metrics.ts";
import type { ServiceClient } from "./service_client.ts";

/** The services ticked, and how often. */
export interface TickOptions {
  services: readonly { name: string; client: ServiceClient }[];
  /** Between two ticks of a service, in ms. */
  intervalMs: number;
  /** How long a tick may take, in ms. */
  timeoutMs: number;
  log: Logger;
}

/** Ticking: `stop` sends no more and waits for the ticks in flight. */
export interface Ticking {
  stop(): Promise<void>;
}

/** Starts ticking every service of `options`, the first tick one interval after the start. */
export function startTicking(options: TickOptions): Ticking {
  const { log } = options;
  let stopped = false;
  const running = new Set<Promise<void>>();
  const loops = options.services.map(({ name, client }) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const answer = await client(bridgePaths.tick, new Uint8Array(), {}, options.timeoutMs);
        const ok = answer.status >= 200 && answer.status < 300;
        bridgeTicks.inc({ service: name, outcome: ok ? "ok" : "failed" });
        if (!ok) log.warn("a tick was refused", { service: name, status: answer.status });
      } catch (error) {
        bridgeTicks.inc({ service: name, outcome: "failed" });
        log.warn("a tick failed", { service: name, error: errorText(error) });
      }
    };
    const schedule = () => {
      if (stopped) return;
      timer = setTimeout(() => {
        const once = tick();
        running.add(once);
        once.finally(() => (running.delete(once), schedule()));
      }, options.intervalMs);
    };
    schedule();
    return () => clearTimeout(timer);
  });
  return {
    stop: async () => {
      stopped = true;
      for (const cancel of loops) cancel();
      await Promise.all(running);
    },
  };
}
