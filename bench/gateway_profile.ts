/**
 * Where the gateway's CPU goes against the bare Hono + NATS baseline of bench/gateway.ts. Each
 * side runs alone under autocannon with `--cpu-prof` and is stopped with SIGTERM, so that it
 * writes its profile. The sides: `bare` (bench/bare_gateway.ts), `gateway`, `traced` (the gateway
 * with OTEL_DENO=true, every span exported over OTLP to a sink in this process) and `sampled`
 * (traced, one trace in ten kept):
 *
 *   deno run --allow-all bench/gateway_profile.ts [--seconds 15] [--connections 64] \
 *     [--sides gateway,traced,bare] [--dir <dir>]
 *
 * For each side it prints the following, all measured while the load ran:
 * - req/s;
 * - the CPU (user + system, µs per request, from /proc, so Linux only) of the server, catalog,
 *   nats-server, the load tool and the sink;
 * - the server's CPU split by thread name (`deno` is the JS thread).
 *
 * It also writes `<dir>/<side>.cpuprofile`, cropped to the load's window, for
 * `bench/profile_summary.ts <file> <requests>`. Catalog runs on a fresh database of the Postgres at
 * DATABASE_URL (by default the benchmark's, 127.0.0.1:5432). Throws if nats-server, catalog or
 * Postgres cannot be reached. A sampling profile counts a JS-thread wait inside a native call
 * (e.g. WebCrypto's verify, which runs on a tokio thread) as that call's time, so compare the
 * per-thread CPU figures.
 */
import { connect } from "@nats-io/transport-node";
import { importJWK, SignJWT } from "jose";
import { parseArgs } from "node:util";
import { generateSigningKey } from "../services/users/keys.ts";
import { freePort, startNatsServer } from "../tests/harness/nats_server.ts";
import { freshDatabase } from "./databases.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "15" },
    connections: { type: "string", default: "64" },
    dir: { type: "string" },
    sides: { type: "string", default: "gateway,traced,bare" },
  },
});
const [seconds, connections] = [Number(values.seconds), Number(values.connections)];
const dir = values.dir ?? await Deno.makeTempDir({ prefix: "gateway-profile-" });
// The Postgres the benchmark defaults to (bench/main.ts), unless DATABASE_URL names another.
const adminUrl = Deno.env.get("DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/test";
const nats = await startNatsServer({ authorization: false });
const database = await freshDatabase(adminUrl);
const dataDir = await Deno.makeTempDir({ prefix: "gateway-profile-data-" });
const base = { NATS_URL: nats.url, LOG_LEVEL: "error", DATA_DIR: dataDir };
const signingKey = await generateSigningKey();
const unlimited = { RATE_LIMIT_BURST: "1000000000", RATE_LIMIT_PER_SECOND: "1000000000" };
const spawn = (args: string[], env: Record<string, string>) =>
  new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", ...args],
    env: { ...base, ...env },
    stdout: "null",
    stderr: "null",
  }).spawn();
const services: Deno.ChildProcess[] = [];
const sinkPort = freePort();
const sink = Deno.serve(
  { port: sinkPort, hostname: "127.0.0.1", onListen: () => {} },
  async (r) => {
    await r.arrayBuffer();
    return new Response("{}");
  },
);
// The bare app has no SIGTERM handler of its own; this one exits so the profile is written.
const bareEntry = `${dir}/bare_entry.ts`;
await Deno.writeTextFile(
  bareEntry,
  `Deno.addSignalListener("SIGTERM", () => Deno.exit(0));\n` +
    `await import(${JSON.stringify(new URL("./bare_gateway.ts", import.meta.url).href)});\n`,
);
try {
  services.push(
    spawn(["services/catalog/main.ts"], { DATABASE_URL: database.url }),
  );
  services.push(spawn(["services/users/main.ts"], {
    TOKEN_SIGNING_KEY: JSON.stringify(signingKey),
    DATABASE_URL: database.url,
  }));
  const token = await new SignJWT({ email: "bench@example.com", role: "user" })
    .setProtectedHeader({ alg: "EdDSA", kid: signingKey.kid })
    .setSubject(crypto.randomUUID()).setIssuer("users").setAudience("gateway")
    .setIssuedAt().setExpirationTime("1h")
    .sign(await importJWK(signingKey, "EdDSA"));
  const traced = {
    ...unlimited,
    OTEL_DENO: "true",
    OTEL_SERVICE_NAME: "gateway",
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
  };
  const config = new URL("../deno.json", import.meta.url).pathname;
  const productId = await firstProduct(nats.url);
  const entries: Record<string, [string, Record<string, string>]> = {
    gateway: ["services/gateway/main.ts", unlimited],
    traced: ["services/gateway/main.ts", traced],
    bare: [bareEntry, {}],
    // Tracing on, one trace in ten kept (head sampling, decided at the gateway).
    sampled: ["services/gateway/main.ts", {
      ...traced,
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.1",
    }],
  };
  for (const side of values.sides.split(",")) {
    const [entry, env] = entries[side];
    const port = freePort();
    const child = spawn(
      ["--config", config, "--cpu-prof", `--cpu-prof-dir=${dir}/${side}`, entry],
      { ...env, HTTP_PORT: String(port) },
    );
    const url = (id: string) => `http://127.0.0.1:${port}/products/${id}`;
    await waitFor(url(productId));
    const headers = side === "bare" ? {} : { authorization: `Bearer ${token}` };
    await load(url(productId), connections, 3, headers); // warm-up: compiled, pools filled
    const others = { catalog: services[0].pid, nats: natsPid() };
    const threadsBefore = threadCpu(child.pid);
    const before = {
      server: cpuMicros(child.pid),
      ...othersCpu(others),
      load: childrenCpu(),
      sink: cpuMicros(Deno.pid),
    };
    const started = performance.now();
    const run = await load(url(productId), connections, seconds, headers);
    const threads = threadCpu(child.pid, threadsBefore);
    const after = {
      server: cpuMicros(child.pid),
      ...othersCpu(others),
      load: childrenCpu(),
      sink: cpuMicros(Deno.pid),
    };
    child.kill("SIGTERM");
    await child.status;
    const window = (performance.now() - started) * 1000;
    const profile = await crop(`${dir}/${side}`, window);
    await Deno.writeTextFile(`${dir}/${side}.cpuprofile`, JSON.stringify(profile));
    const perRequest = Object.entries(after).map(([name, micros]) =>
      `${name} ${((micros - before[name as keyof typeof before]) / run.total).toFixed(1)}`
    );
    console.log(
      `${side}: ${run.perSecond.toFixed(0)} req/s, ${run.total} requests, ${run.errors} errors; ` +
        `CPU µs/request: ${perRequest.join(", ")}; ${dir}/${side}.cpuprofile`,
    );
    const busy = [...threads].filter(([, micros]) => micros / run.total >= 1);
    console.log(
      `  server threads, µs/request: ` +
        busy.map(([name, micros]) => `${name} ${(micros / run.total).toFixed(1)}`).join(", "),
    );
  }
} finally {
  for (const child of services) {
    child.kill("SIGTERM");
    await child.status;
  }
  await sink.shutdown();
  await nats.dispose();
  await database.drop();
  await Deno.remove(dataDir, { recursive: true });
}

/** The CPU a process has used so far, user + system, in µs (Linux's /proc, 100 ticks a second). */
function cpuMicros(pid: number): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * Each thread's CPU (µs) by thread name, summed over threads of one name; with `since`, the CPU
 * used after it was taken. The JS thread is the process's own name (`deno`).
 */
function threadCpu(pid: number, since = new Map<string, number>()): Map<string, number> {
  const used = new Map<string, number>();
  for (const { name: tid } of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/task/${tid}/stat`);
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const micros = (Number(fields[11]) + Number(fields[12])) * 10_000;
      used.set(name, (used.get(name) ?? 0) + micros);
    } catch {
      // the thread ended meanwhile
    }
  }
  for (const [name, micros] of since) used.set(name, (used.get(name) ?? 0) - micros);
  return used;
}

/** The CPU of this process's waited-for children (the load tool's, once it has exited), µs. */
function childrenCpu(): number {
  const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
  return (Number(fields[13]) + Number(fields[14])) * 10_000;
}

function othersCpu(pids: { catalog: number; nats: number }) {
  return { catalog: cpuMicros(pids.catalog), nats: cpuMicros(pids.nats) };
}

/** The nats-server this process started (its child named so). */
function natsPid(): number {
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const parent = Number(stat.split(") ")[1].split(" ")[1]);
      if (stat.includes("(nats-server)") && parent === Deno.pid) return Number(entry.name);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error("no nats-server child found");
}

/** The one profile in `folder`, its samples cut to the last `micros` before it ended. */
async function crop(folder: string, micros: number) {
  const [file] = [...Deno.readDirSync(folder)].filter((e) => e.name.endsWith(".cpuprofile"));
  const profile = JSON.parse(await Deno.readTextFile(`${folder}/${file.name}`));
  const from = profile.endTime - micros;
  const [samples, timeDeltas]: number[][] = [[], []];
  let at = profile.startTime;
  profile.samples.forEach((id: number, i: number) => {
    at += profile.timeDeltas[i];
    if (at >= from) samples.push(id), timeDeltas.push(profile.timeDeltas[i]);
  });
  return { ...profile, samples, timeDeltas };
}

/** The id of catalog's first product, asked over NATS as the bare app would; catalog may be starting. */
async function firstProduct(natsUrl: string): Promise<string> {
  const nc = await connect({ servers: natsUrl });
  try {
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      try {
        const reply = await nc.request("rpc.catalog.listProducts", "{}", { timeout: 2000 });
        const items = (reply.json() as { items?: { id: string }[] }).items;
        if (items?.length) return items[0].id;
      } catch {
        // no responder yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("catalog did not answer within 60 s");
  } finally {
    await nc.close();
  }
}

async function waitFor(url: string) {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within 60 s`);
}

/** autocannon in a process of its own, its JSON report read back. */
async function load(url: string, connections: number, seconds: number, headers = {}) {
  const args = ["run", "--allow-all", "npm:autocannon@8.0.0", "-j"];
  args.push("-c", String(connections), "-d", String(seconds));
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}=${value}`);
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...args, url],
    stdout: "piped",
    stderr: "null",
  }).output();
  const report = JSON.parse(new TextDecoder().decode(output.stdout));
  return {
    perSecond: report.requests.average as number,
    total: report.requests.total as number,
    errors: (report.non2xx as number) + (report.errors as number),
  };
}
