/**
 * Bundle size, cold start and resident memory of each service, bundled as it is deployed (minified,
 * no PGlite) and run with `--allow-net --allow-env` only: time from spawn until it first answers
 * (its services-framework ping over NATS, or the gateway's /health), and its RSS once it does.
 * The first start of each migrates its fresh database; the later ones find it done, as an edge
 * instance mostly does. A floor row: Deno itself, spawned to answer /health with nothing loaded.
 * Targets (issue 24): at most 1 MB, first answer within 150 ms.
 */
import { buildService, sizeLimit } from "../infra/build.ts";
import { registry as services } from "../services/registry.ts";
import { generateSigningKey } from "../services/users/keys.ts";
import { connectNats, serviceAnswers } from "../shared/bus/mod.ts";
import { freePort, startNatsServer } from "../tests/harness/nats_server.ts";
import { type BenchOptions, percentile, type Row, type SuiteResult } from "./report.ts";
import { freshDatabase } from "./databases.ts";
import { bridgedStart, bridgeKeyPair } from "./cold_start_bridge.ts";

export async function coldStart(options: BenchOptions): Promise<SuiteResult> {
  const suite = "Cold start and memory per bundled service";
  if (!options.databaseUrl) {
    return { suite, rows: [], notes: ["skipped: an edge bundle needs Postgres (DATABASE_URL)"] };
  }
  const runs = options.quick ? 2 : 5;
  const out = await Deno.makeTempDir({ prefix: "bench-bundles-" });
  const nats = await startNatsServer({ authorization: false });
  const nc = await connectNats(nats.url, "bench");
  const database = await freshDatabase(options.databaseUrl);
  const signingKey = JSON.stringify(await generateSigningKey());
  const bridge = { natsUrl: nats.wsUrl, databaseUrl: database.url, ...await bridgeKeyPair() };
  const rows: Row[] = [];
  try {
    for (const { name } of services) {
      const bundle = await buildService(name, out);
      const { size } = await Deno.stat(bundle);
      const starts: number[] = [];
      const memory: number[] = [];
      for (let run = 1; run <= runs; run++) {
        options.progress(`cold start: ${name} ${run}/${runs}`);
        const port = freePort();
        const started = performance.now();
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", "--no-config", "--allow-net", "--allow-env", bundle],
          env: {
            NATS_URL: nats.wsUrl,
            DATABASE_URL: database.url,
            ...(name === "users" ? { TOKEN_SIGNING_KEY: signingKey } : {}),
            LOG_LEVEL: "error",
            HTTP_PORT: String(port),
          },
          clearEnv: true,
          stdout: "null",
          stderr: "null",
        }).spawn();
        try {
          await waitUntilAnswering(name, port, nc);
          starts.push(performance.now() - started);
          memory.push(await residentMb(child.pid));
        } finally {
          child.kill("SIGTERM");
          await child.status;
        }
      }
      // Behind the bridge, as at the edge: migrated ahead (MIGRATE_ON_START=false).
      const bridged: number[] = [];
      for (let run = 1; name !== "gateway" && run <= runs; run++) {
        options.progress(`cold start: ${name} behind the bridge ${run}/${runs}`);
        bridged.push(
          await bridgedStart(bundle, name, bridge, {
            MIGRATE_ON_START: "false",
            ...(name === "users" ? { TOKEN_SIGNING_KEY: signingKey } : {}),
          }),
        );
      }
      const [migrating, ...later] = starts;
      rows.push({
        name,
        "bundle MB": size / 1e6,
        "limit MB": sizeLimit(name) / 1e6,
        "first start ms (migrates)": migrating,
        "cold start ms (p50)": percentile(later, 50),
        "cold start ms (max)": Math.max(...later),
        ...(bridged.length ? { "behind the bridge ms (p50)": percentile(bridged, 50) } : {}),
        "RSS MB": percentile(memory, 50),
      });
    }
    rows.push(await floor(runs, options));
  } finally {
    await nc.close();
    await nats.dispose();
    await database.drop();
    await Deno.remove(out, { recursive: true });
  }
  return {
    suite,
    rows,
    notes: [
      `${runs} starts each, against a fresh Postgres database (the first start migrates; the` +
      " p50 and max are of the others) and NATS over WebSocket. Targets: at most 1 MB per bundle" +
      " (the gateway carries Swagger UI), first answer within 150 ms. A start connects to NATS" +
      " and Postgres, checks its migrations under the advisory lock, and declares its stream," +
      " consumers and service before it answers: round trips the floor row does not pay. Behind" +
      " the bridge (TRANSPORT=bridge, MIGRATE_ON_START=false): spawn until its first signed" +
      " /_bridge/rpc/ready is answered; it declares no consumer, no service, and its stream in" +
      " the background, and only checks its migrations.",
    ],
  };
}

/** Deno alone, spawned to answer /health: the part of a cold start no bundle can save. */
async function floor(runs: number, options: BenchOptions): Promise<Row> {
  const script = "Deno.serve({ port: Number(Deno.args[0]), onListen() {} }, () => new Response());";
  const starts: number[] = [];
  for (let run = 1; run <= runs; run++) {
    options.progress(`cold start: deno alone ${run}/${runs}`);
    const port = freePort();
    const started = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-config", script, String(port)],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await waitUntilAnswering("gateway", port);
      starts.push(performance.now() - started);
    } finally {
      child.kill("SIGTERM");
      await child.status;
    }
  }
  return {
    name: "floor: deno answering /health",
    "cold start ms (p50)": percentile(starts, 50),
    "cold start ms (max)": Math.max(...starts),
  };
}

async function waitUntilAnswering(
  name: string,
  port: number,
  nc?: Parameters<typeof serviceAnswers>[0],
) {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const answered = name === "gateway"
      ? await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.text().then(() => r.ok),
        () => false,
      )
      : await serviceAnswers(nc!, name, 100).then(() => true, () => false);
    if (answered) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${name} did not answer within 60 s`);
}

async function residentMb(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = Number(status.match(/VmRSS:\s+(\d+) kB/)?.[1] ?? NaN);
  return kb / 1024;
}
