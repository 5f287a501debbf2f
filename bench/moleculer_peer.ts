/**
 * The peer a Node user would pick for request-reply: Moleculer 0.14 with its NATS transporter
 * (nats.js 2.x) and the JSON serializer, an echo service and a caller each in a Node process of
 * its own (bench/peer/), signed in with an NKey when NATS asks for one. Its packages are installed on first use with `npm ci` from
 * bench/peer/package-lock.json into bench/peer/node_modules.
 */
import { type LineChild, startLineChild } from "./child_process.ts";
import type { Run, Side } from "./rounds.ts";

const peerDir = new URL("./peer/", import.meta.url).pathname;

/**
 * The running peer: `side` drives the caller's rounds, counting the CPU of both processes;
 * `stop` ends them.
 */
export interface MoleculerPeer {
  side: Side;
  stop(): Promise<void>;
}

/** How the peer's processes sign in to NATS: an NKey seed, and the CA to trust for tls://. */
export interface PeerTrust {
  seed?: string;
  caFile?: string;
}

/**
 * Installs the peer if its packages are missing, then starts the echo service and the caller
 * against `natsUrl`, resolving once the caller sees the service. Rejects saying why (no Node,
 * `npm ci` failed, a process exited before it was ready).
 */
export async function startMoleculerPeer(
  natsUrl: string,
  { seed, caFile }: PeerTrust = {},
): Promise<MoleculerPeer> {
  await installPeer();
  const options = {
    cwd: peerDir,
    env: { BENCH_NATS_SEED: seed ?? "", NATS_CA_FILE: caFile ?? "" },
  };
  const echo = await startLineChild("node", ["echo_service.js", natsUrl], options);
  let caller: LineChild;
  try {
    caller = await startLineChild("node", ["caller.js", natsUrl], options);
  } catch (error) {
    await echo.stop();
    throw error;
  }
  const echoCpu = async () => {
    const { user, system } = JSON.parse(await echo.ask("cpu"));
    return user + system;
  };
  return {
    side: async (inFlight, total) => {
      const before = await echoCpu();
      const run: Run = JSON.parse(await caller.ask(JSON.stringify({ inFlight, total })));
      return { ...run, cpuMicros: run.cpuMicros! + await echoCpu() - before };
    },
    stop: async () => {
      await caller.stop();
      await echo.stop();
    },
  };
}

/** `npm ci` in bench/peer when its node_modules lacks a package the lock file names. */
async function installPeer(): Promise<void> {
  const lock = JSON.parse(await Deno.readTextFile(`${peerDir}package-lock.json`));
  const wanted = Object.keys(lock.packages ?? {}).filter((path) => path !== "");
  const missing = wanted.some((path) => !exists(`${peerDir}${path}/package.json`));
  if (!missing) return;
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("npm", {
      args: ["ci", "--no-audit", "--no-fund"],
      cwd: peerDir,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    // Thrown synchronously when npm is not installed at all.
    throw new Error(`npm ci in bench/peer could not run: ${(error as Error).message}`);
  }
  if (!output.success) {
    const said = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-3).join(" ");
    throw new Error(`npm ci in bench/peer failed: ${said}`);
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
