/**
 * A service run the way a request-driven edge runtime (Deno Deploy) runs it, on this machine: an
 * HTTP front on a local port that starts an instance (`deno serve --allow-net --allow-env` on the
 * service's bundle or main.ts: no file system, no subprocess) when a request arrives and none
 * runs, forwards requests to it once it answers, and stops it after `idleMs` without a request.
 * With `instances: 2`, requests alternate between two instances, each started and stopped on its
 * own, as two isolates in two regions. Every cold start (spawn to first answer) is kept.
 */
import { freePort } from "./nats_server.ts";

export interface EdgeRuntimeOptions {
  /** The service's name, in errors and in the instances' logs. */
  name: string;
  /** Its entry: a bundle (run with --no-config) or a main.ts of the repository. */
  entry: string;
  /** The deployment's environment (nothing of this process's is passed but where Deno's cache is). */
  env: Record<string, string>;
  /** Milliseconds without a request after which an instance is stopped (default 3000). */
  idleMs?: number;
  /** How many instances may run at once; requests alternate between them (default 1). */
  instances?: number;
  /** How long an instance has to answer its first request (default 30000 ms). */
  startTimeoutMs?: number;
  /** Where the front asks whether a starting instance answers yet (default /health). */
  readyPath?: string;
  /** How an idle instance is stopped (default SIGTERM: the runtime lets it finish). */
  stopSignal?: Deno.Signal;
}

/** One start of an instance: which one, when, and how long it took to first answer. */
export interface ColdStart {
  instance: number;
  /** Milliseconds since the epoch when the waking request arrived. */
  at: number;
  /** Milliseconds from spawning the process to its first answer. */
  ms: number;
}

/** One request the front served: where to, which instance, and the status it answered. */
export interface ServedRequest {
  method: string;
  /** Path and query. */
  path: string;
  instance: number;
  status: number;
  /** Its place in the order requests arrived (0, 1, ...): `served` is in the order answered. */
  arrival: number;
}

/** The simulated runtime of one service: its URL, what it started, and how to stop it. */
export interface EdgeRuntime {
  /** The front's base URL, e.g. `http://127.0.0.1:43123`: the service's public URL. */
  url: string;
  /** Every cold start so far, in order. */
  coldStarts: readonly ColdStart[];
  /** Every request served so far, in the order they were answered. */
  served: readonly ServedRequest[];
  /** How many instances run now. */
  running(): number;
  /** Resolves once no instance runs (at once when none does): the service sleeps. */
  asleep(): Promise<void>;
  /** Stops every running instance now, as the runtime does after idleness. */
  sleep(): Promise<void>;
  /** SIGKILLs a running instance (the first by default), as an isolate evicted mid-work. */
  kill(instance?: number): Promise<void>;
  /** Stops the instances and the front. */
  close(): Promise<void>;
}

interface Instance {
  index: number;
  child: Deno.ChildProcess;
  base: string;
  /** Resolves once it answers; rejects when it exits or misses its start deadline. */
  ready: Promise<void>;
  inFlight: number;
  idleTimer?: ReturnType<typeof setTimeout>;
}

const root = new URL("../../", import.meta.url).pathname;

/**
 * Starts the front (no instance yet: the first request starts one). Requests the front cannot
 * serve because the instance would not start answer 503 with the reason, as a runtime does.
 */
export function startEdgeRuntime(options: EdgeRuntimeOptions): EdgeRuntime {
  const idleMs = options.idleMs ?? 3000;
  const slots: (Instance | null)[] = Array.from({ length: options.instances ?? 1 }, () => null);
  const coldStarts: ColdStart[] = [];
  const served: ServedRequest[] = [];
  // Processes not yet exited, stopping ones included: the service sleeps when there are none.
  const alive = new Set<Instance>();
  let next = 0;
  let sleepers: (() => void)[] = [];

  function wakeSleepers() {
    if (alive.size > 0) return;
    for (const resolve of sleepers) resolve();
    sleepers = [];
  }

  function spawn(index: number, arrived: number): Instance {
    const port = freePort();
    const bundle = options.entry.endsWith(".js");
    const started = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "serve",
        ...(bundle ? ["--no-config"] : []),
        "--quiet",
        "--no-prompt",
        "--allow-net",
        "--allow-env",
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        options.entry,
      ],
      cwd: root,
      env: { ...denoCache(), ...options.env },
      clearEnv: true,
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    const base = `http://127.0.0.1:${port}`;
    const instance: Instance = { index, child, base, inFlight: 0, ready: Promise.resolve() };
    alive.add(instance);
    let exited = false;
    child.status.then(() => {
      exited = true;
      if (slots[index] === instance) slots[index] = null;
      clearTimeout(instance.idleTimer);
      alive.delete(instance);
      wakeSleepers();
    });
    instance.ready = (async () => {
      const until = Date.now() + (options.startTimeoutMs ?? 30_000);
      while (!(await answers(base + (options.readyPath ?? "/health")))) {
        if (exited) throw new Error(`${options.name} instance ${index} exited at start`);
        if (Date.now() > until) {
          await stopInstance(instance, "SIGKILL");
          throw new Error(`${options.name} instance ${index} did not answer in time`);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      coldStarts.push({ instance: index, at: arrived, ms: performance.now() - started });
    })();
    return instance;
  }

  /** From now on requests go to a new instance; resolves when the process has exited. */
  async function stopInstance(instance: Instance, signal: Deno.Signal) {
    clearTimeout(instance.idleTimer);
    if (slots[instance.index] === instance) slots[instance.index] = null;
    try {
      instance.child.kill(signal);
    } catch {
      // already gone
    }
    await instance.child.status;
  }

  function armIdle(instance: Instance) {
    clearTimeout(instance.idleTimer);
    if (instance.inFlight > 0) return;
    instance.idleTimer = setTimeout(() => {
      if (instance.inFlight === 0) stopInstance(instance, options.stopSignal ?? "SIGTERM");
    }, idleMs);
  }

  async function forward(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname + url.search;
    const arrival = next++;
    const index = arrival % slots.length;
    const response = await answer(request, path, index);
    served.push({
      method: request.method,
      path,
      instance: index,
      status: response.status,
      arrival,
    });
    return response;
  }

  async function answer(request: Request, path: string, index: number): Promise<Response> {
    const arrived = Date.now();
    const instance = slots[index] ??= spawn(index, arrived);
    instance.inFlight++;
    clearTimeout(instance.idleTimer);
    try {
      try {
        await instance.ready;
      } catch (error) {
        return Response.json({ kind: "unavailable", detail: (error as Error).message }, {
          status: 503,
        });
      }
      const body = request.body ? await request.arrayBuffer() : undefined;
      const answer = await fetch(instance.base + path, {
        method: request.method,
        headers: request.headers,
        body,
      });
      // Read here, so the instance counts as busy until its answer is out.
      return new Response(await answer.arrayBuffer(), answer);
    } catch (error) {
      return Response.json({ kind: "unavailable", detail: String(error) }, { status: 502 });
    } finally {
      instance.inFlight--;
      armIdle(instance);
    }
  }

  const front = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, forward);
  const running = () => alive.size;
  const sleep = async () => {
    await Promise.all(
      [...alive].map((instance) => stopInstance(instance, options.stopSignal ?? "SIGTERM")),
    );
  };
  return {
    url: `http://127.0.0.1:${front.addr.port}`,
    coldStarts,
    served,
    running,
    asleep: () => alive.size === 0 ? Promise.resolve() : new Promise((r) => sleepers.push(r)),
    sleep,
    kill: async (instance = slots.findIndex((slot) => slot !== null)) => {
      const slot = slots[instance];
      if (slot) await stopInstance(slot, "SIGKILL");
    },
    close: async () => {
      await front.shutdown();
      await sleep();
    },
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** Where Deno keeps what it downloaded: an instance reads its modules from there, not the network. */
function denoCache(): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "PATH"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}
