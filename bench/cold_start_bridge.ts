/**
 * Cold start of a service behind the bridge (TRANSPORT=bridge), as an edge runtime starts it:
 * its bundle spawned with `--allow-net --allow-env`, timed until it answers the bridge's first
 * signed RPC request (`/_bridge/rpc/ready`: NATS and the database both answered). Its database is
 * migrated ahead, as a deployment does (MIGRATE_ON_START=false). Run directly:
 * `deno run -A bench/cold_start_bridge.ts <service> [runs]` with DATABASE_URL set.
 */
import { buildService } from "../infra/build.ts";
import {
  generateBridgeKeys,
  importBridgeSigningKey,
  signBridgeRequest,
} from "../shared/bridge/mod.ts";
import { freePort, startNatsServer } from "../tests/harness/nats_server.ts";
import { freshDatabase } from "./databases.ts";
import { percentile } from "./report.ts";

/** Spawn-to-first-bridged-answer times (ms) of `name`'s bundle, `runs` starts. */
export async function bridgedColdStarts(
  name: string,
  runs: number,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<number[]> {
  const out = await Deno.makeTempDir({ prefix: "bench-bridged-" });
  const nats = await startNatsServer({ authorization: false });
  const database = await freshDatabase(databaseUrl);
  const pair = await generateBridgeKeys();
  const signingKey = await importBridgeSigningKey(pair.signingKey);
  const starts: number[] = [];
  try {
    const bundle = await buildService(name, out);
    // The deployment's migrate step: one start that migrates, before the timed ones.
    for (let run = 0; run <= runs; run++) {
      const port = freePort();
      const started = performance.now();
      const child = new Deno.Command(Deno.execPath(), {
        // COLD_ARGS: more of deno's flags, e.g. `--cpu-prof --cpu-prof-dir=prof` to profile.
        args: ["run", "--no-config", "--allow-net", "--allow-env"]
          .concat((Deno.env.get("COLD_ARGS") ?? "").split(" ").filter(Boolean), bundle),
        env: {
          NATS_URL: nats.wsUrl,
          DATABASE_URL: database.url,
          TRANSPORT: "bridge",
          BRIDGE_PUBLIC_KEY: pair.publicKey,
          LOG_LEVEL: "error",
          HTTP_PORT: String(port),
          ...(run === 0 ? {} : env),
        },
        clearEnv: true,
        stdout: "null",
        stderr: Deno.env.get("COLD_STDERR") ? "inherit" : "null",
      }).spawn();
      try {
        await answered(port, name, signingKey);
        if (run > 0) starts.push(performance.now() - started);
      } finally {
        child.kill("SIGTERM");
        await child.status;
      }
    }
  } finally {
    await nats.dispose();
    await database.drop();
    await Deno.remove(out, { recursive: true });
  }
  return starts;
}

async function answered(port: number, name: string, key: CryptoKey) {
  const until = Date.now() + 60_000;
  const path = "/_bridge/rpc/ready";
  const body = new TextEncoder().encode("{}");
  while (Date.now() < until) {
    const authorization = await signBridgeRequest(key, {
      audience: name,
      method: "POST",
      pathAndQuery: path,
      body,
    });
    const ok = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: "POST",
      body,
      headers: { authorization },
    }).then((r) => r.arrayBuffer().then(() => r.status === 200), () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`${name} did not answer within 60 s`);
}

if (import.meta.main) {
  const [name = "orders", runs = "7"] = Deno.args;
  const env = Object.fromEntries(
    (Deno.env.get("COLD_ENV") ?? "").split(",").filter(Boolean).map((kv) => kv.split("=")),
  );
  const starts = await bridgedColdStarts(name, Number(runs), Deno.env.get("DATABASE_URL")!, env);
  console.log(
    name,
    "p50",
    percentile(starts, 50).toFixed(0),
    "all",
    starts.map((s) => s.toFixed(0)).join(" "),
  );
}
