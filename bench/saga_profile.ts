/**
 * Where the saga's CPU goes with a process per service (issue 23). Two steps:
 *
 *   deno run --allow-all bench/saga_profile.ts run <dir> [orders=2000] [warm-up=300]
 *   deno run --allow-all bench/saga_profile.ts split <dir>
 *
 * `run` starts the stack as deployed (each backend service a Deno process of its own, Postgres
 * from DATABASE_URL) and runs the saga's throughput load on it (bench/saga_load.ts, 32 orders in
 * flight through the gateway in this process): `warm-up` orders (a multiple of 100), then
 * `orders` more until all are confirmed, and prints each process's CPU time per order of those,
 * user and system, in ms (read from /proc: Linux only). It writes the load's wall-clock window
 * and those figures to `<dir>/load.json`.
 *
 * `split` reads every V8 CPU profile under `<dir>` (`deno run --cpu-prof --cpu-prof-dir=<dir>/<name>`
 * names each `CPU.<wall ms at start>.<pid>.cpuprofile`), keeps the samples inside the load's
 * window and prints, per process, its user CPU per order split by category (nats.js, postgres.js,
 * drizzle, zod, this repository's shared/<folder>, service code, Deno's runtime JS, V8 and GC)
 * in the proportions of its samples. Idle samples are left out, and so are those in a socket
 * write: a sampling profile counts a thread that waits there, descheduled, as busy (on two
 * shared cores its samples add up to two or three times the process's CPU), so the sampled
 * shares are applied to the CPU that /proc measured, and system CPU is shown on its own.
 * The harness starts service processes without Deno flags: to profile them, add
 * `--cpu-prof --cpu-prof-dir=<dir>/<name>` to the arguments in tests/harness/processes.ts for
 * that run only, and run this process itself with `--cpu-prof --cpu-prof-dir=<dir>/load`.
 */
import { backendServices, startStack } from "../tests/harness/stack.ts";
import { measuredSaga } from "./saga_load.ts";

const [mode, dir, ordersArg = "2000", warmArg = "300"] = Deno.args;
if (!dir || (mode !== "run" && mode !== "split")) {
  console.error("usage: saga_profile.ts run <dir> [orders] [warm-up] | split <dir>");
  Deno.exit(2);
}

/** What `run` writes for `split`: the load's window (wall ms) and CPU ms per order by process. */
interface Load {
  orders: number;
  from: number;
  to: number;
  cpu: Record<string, { pid: number; user: number; system: number }>;
}

async function run(total: number, warm: number) {
  const stack = await startStack({
    poolSize: 10,
    env: { STARTING_BALANCE_CENTS: "1000000000", LOG_LEVEL: "error" },
    processes: [...backendServices],
  });
  const pids = { ...serviceProcessIds(), load: Deno.pid };
  const cpuNow = () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuOf(pid)]));
  // The saga's own load, told apart by its progress lines: the window opens once the warm-up's
  // orders are placed (those still in flight then, at most 32, land inside it) and closes when
  // every order is confirmed, as the latency phase (none here) is announced.
  let before: ReturnType<typeof cpuNow> | undefined;
  let after: ReturnType<typeof cpuNow> | undefined;
  const load: Load = { orders: total, from: 0, to: 0, cpu: {} };
  const progress = (line: string) => {
    if (line.endsWith(`: placed ${warm}/${warm + total}`)) {
      [before, load.from] = [cpuNow(), Date.now()];
    } else if (before && !after && line.includes("/s offered")) {
      [after, load.to] = [cpuNow(), Date.now()];
    }
  };
  // Left running only with the window measured: the profiles are written when the stack closes.
  await measuredSaga(stack, "saga", warm + total, 0, { quick: false, progress })
    .finally(() => after ? undefined : stack.close());
  if (!before || !after) throw new Error("the load's progress lines were not seen");
  for (const [name, pid] of Object.entries(pids)) {
    const [end, start] = [after[name], before[name]];
    load.cpu[name] = {
      pid,
      user: (end.user - start.user) / total,
      system: (end.system - start.system) / total,
    };
  }
  console.log(`${total} orders at ${(total / ((load.to - load.from) / 1000)).toFixed(1)}/s`);
  console.table(load.cpu);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/load.json`, JSON.stringify(load));
  // SIGTERM, so that each service writes its profile on the way out.
  await stack.close();
}

/** This process's children that run a service, by the service's name. */
function serviceProcessIds(): Record<string, number> {
  const found: Record<string, number> = {};
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const service = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`)
        .match(/services\/([a-z_]+)\/main\.ts/)?.[1];
      if (service && statFields(Number(entry.name))[1] === String(Deno.pid)) {
        found[service] = Number(entry.name);
      }
    } catch { /* gone since the listing */ }
  }
  return found;
}

/** The fields of /proc/<pid>/stat after its name (which may hold spaces). */
function statFields(pid: number): string[] {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** User and system CPU in ms; Linux counts them in ticks of 10 ms. */
function cpuOf(pid: number) {
  const fields = statFields(pid);
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

/**
 * Not CPU: the thread had nothing to run, or waited in a socket write (see the header), or in
 * the gateway's Ed25519 `verify`, an async op sampled at three times its whole process's CPU.
 */
const notCpu = new Set(["(idle)", "(root)", "writeBuffer", "verify"]);

async function split() {
  const load: Load = JSON.parse(await Deno.readTextFile(`${dir}/load.json`));
  for await (const { name: folder, isDirectory } of Deno.readDir(dir)) {
    if (!isDirectory) continue;
    for await (const { name: file } of Deno.readDir(`${dir}/${folder}`)) {
      const [, started, pid] = file.match(/^CPU\.(\d+)\.(\d+)\.cpuprofile$/) ?? [];
      const measured = Object.entries(load.cpu).find(([, cpu]) => String(cpu.pid) === pid);
      if (!measured) continue;
      const profile: Profile = JSON.parse(await Deno.readTextFile(`${dir}/${folder}/${file}`));
      const shares = sampledShares(profile, Number(started), load);
      const [name, { user, system }] = measured;
      const figures = Object.fromEntries(
        [...shares].sort((a, b) => b[1] - a[1]).map(([place, share]) => [
          place,
          Number((user * share).toFixed(3)),
        ]),
      );
      console.log(`${name}: ${(user + system).toFixed(2)} ms of CPU per order`);
      console.table({ "kernel (system CPU)": Number(system.toFixed(3)), ...figures });
    }
  }
}

/** Each category's share of the samples taken inside the load's window, CPU samples only. */
function sampledShares(profile: Profile, startedAt: number, load: Load): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const callerOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) callerOf.set(child, node.id);
  }
  /** A frame without a script (a regular expression, a builtin) counts as its caller's. */
  const placeOf = (id: number): string => {
    const { functionName, url } = byId.get(id)!.callFrame;
    if (functionName === "(garbage collector)" || functionName === "(program)") return "V8 and GC";
    if (url) return category(url);
    const caller = callerOf.get(id);
    return caller === undefined ? "V8 and GC" : placeOf(caller);
  };
  // Profile times are V8's clock in µs; the file name gives the wall time the profile started.
  const [from, to] = [load.from, load.to].map((ms) => profile.startTime + (ms - startedAt) * 1000);
  const sampled = new Map<string, number>();
  let at = profile.startTime;
  let all = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i];
    if (at < from || at > to || notCpu.has(byId.get(id)!.callFrame.functionName)) return;
    const place = placeOf(id);
    sampled.set(place, (sampled.get(place) ?? 0) + profile.timeDeltas[i]);
    all += profile.timeDeltas[i];
  });
  for (const [place, micros] of sampled) sampled.set(place, micros / all);
  return sampled;
}

/** nats.js, postgres.js, drizzle, zod, another npm package, shared/<folder>, or the runtime. */
function category(url: string): string {
  const npm = url.match(/node_modules\/(?:\.deno\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/)
    ?.[1];
  if (npm?.startsWith("@nats-io/")) return "nats.js";
  if (npm) {
    return ({ postgres: "postgres.js", "drizzle-orm": "drizzle", zod: "zod" } as const)[
      npm as "postgres"
    ] ?? `npm:${npm}`;
  }
  const ours = url.match(/\/(shared|services)\/([^/]+)\//);
  if (ours) return ours[1] === "shared" ? `shared/${ours[2]}` : "service code";
  if (url.startsWith("ext:") || url.startsWith("node:")) return "Deno runtime JS";
  return "other";
}

if (mode === "run") await run(Number(ordersArg), Number(warmArg));
else await split();
Deno.exit(0);
