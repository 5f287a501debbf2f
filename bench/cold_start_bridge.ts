/**
 * Cold start of a service behind the bridge (TRANSPORT=bridge), as an edge runtime starts it: its
 * bundle spawned with `--allow-net --allow-env`, timed until it answers the bridge's first signed
 * RPC request (`/_bridge/rpc/ready`, which asks NATS and the database). Used by the cold-start
 * suite (./cold_start.ts); run directly, `deno run -A bench/cold_start_bridge.ts <service> [runs]`
 * with DATABASE_URL set, it times that service alone (COLD_ENV=K=V,... adds variables to the timed
 * starts, COLD_ARGS adds deno flags such as `--cpu-prof --cpu-prof-dir=prof`).
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

/** What a bridged start runs against: NATS (ws), a database, the bridge's key pair. */
export interface BridgedTarget {
  natsUrl: string;
  databaseUrl: string;
  publicKey: string;
  signingKey: CryptoKey;
}

/** A fresh bridge key pair: the public key as text, the signing key imported. */
export async function bridgeKeyPair(): Promise<Pick<BridgedTarget, "publicKey" | "signingKey">> {
  const pair = await generateBridgeKeys();
  return { publicKey: pair.publicKey, signingKey: await importBridgeSigningKey(pair.signingKey) };
}

/**
 * Spawns `bundle` (service `name`) behind the bridge and resolves to the ms from spawn until it
 * answered a signed `/_bridge/rpc/ready` with 200, then stops it. Throws after 60 s.
 */
export async function bridgedStart(
  bundle: string,
  name: string,
  target: BridgedTarget,
  env: Record<string, string> = {},
): Promise<number> {
  const port = freePort();
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", "--allow-net", "--allow-env"]
      .concat((Deno.env.get("COLD_ARGS") ?? "").split(" ").filter(Boolean), bundle),
    env: {
      NATS_URL: target.natsUrl,
      DATABASE_URL: target.databaseUrl,
      TRANSPORT: "bridge",
      BRIDGE_PUBLIC_KEY: target.publicKey,
      LOG_LEVEL: "error",
      HTTP_PORT: String(port),
      ...env,
    },
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await answered(port, name, target.signingKey);
    return performance.now() - started;
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
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
  throw new Error(`${name} did not answer the bridge within 60 s`);
}

if (import.meta.main) {
  const [name = "orders", runs = "7"] = Deno.args;
  const env = Object.fromEntries(
    (Deno.env.get("COLD_ENV") ?? "").split(",").filter(Boolean).map((kv) => kv.split("=")),
  );
  const out = await Deno.makeTempDir({ prefix: "bench-bridged-" });
  const nats = await startNatsServer({ authorization: false });
  const database = await freshDatabase(Deno.env.get("DATABASE_URL")!);
  try {
    const bundle = await buildService(name, out);
    const target = { natsUrl: nats.wsUrl, databaseUrl: database.url, ...await bridgeKeyPair() };
    await bridgedStart(bundle, name, target); // migrates, as the deployment's migrate step does
    const starts: number[] = [];
    for (let run = 0; run < Number(runs); run++) {
      starts.push(await bridgedStart(bundle, name, target, env));
    }
    const all = starts.map((s) => s.toFixed(0)).join(" ");
    console.log(`${name} p50 ${percentile(starts, 50).toFixed(0)} ms (all: ${all})`);
  } finally {
    await nats.dispose();
    await database.drop();
    await Deno.remove(out, { recursive: true });
  }
}
