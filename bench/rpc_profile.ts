/**
 * The platform's request-reply under load, caller and server each in a process of its own, as
 * bench/peer_rpc.ts measures it; prints the req/s and each process's CPU time per call (user and
 * system) while the load ran:
 *
 *   deno run --allow-all [--cpu-prof --cpu-prof-dir=<dir>] bench/rpc_profile.ts \
 *     [--calls 200000] [--in-flight 64] [--side platform|raw] [--profile <dir>]
 *
 * This process is the caller: the platform's typed call, or raw `nc.request` to the raw
 * responder. With `--profile`, the echo server writes a V8 CPU profile into `<dir>` on exit
 * (give this process `--cpu-prof` for the caller's); bench/profile_summary.ts tells where the
 * time went. A sampling profile counts the time a process waits in a system call, descheduled,
 * as that call's: the CPU figures printed are the ones to compare.
 */
import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { connectNats, rpcClient } from "../shared/bus/mod.ts";
import { BreakerRegistry } from "../shared/resilience/mod.ts";
import { startNatsServer } from "../tests/harness/nats_server.ts";
import { startLineChild } from "./child_process.ts";
import { echoApi, echoPayload, rawSubject } from "./echo.ts";
import { drive } from "./rounds.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    calls: { type: "string", default: "200000" },
    "in-flight": { type: "string", default: "64" },
    side: { type: "string", default: "platform" },
    profile: { type: "string" },
  },
});
const [calls, inFlight] = [Number(values.calls), Number(values["in-flight"])];
const nats = await startNatsServer({ authorization: false });
const server = await startLineChild(Deno.execPath(), [
  "run",
  "--allow-all",
  ...(values.profile ? ["--cpu-prof", `--cpu-prof-dir=${values.profile}`] : []),
  new URL("./echo_server.ts", import.meta.url).pathname,
  nats.url,
]);
const nc = await connectNats(nats.url, "bench-profile-caller");
const client = rpcClient(nc, echoApi, { timeoutMs: 5000, breakers: new BreakerRegistry() });
const payload = echoPayload();
const encoded = JSON.stringify(payload);
const call = values.side === "raw"
  ? () => nc.request(rawSubject, encoded, { timeout: 5000 }).then((m) => void m.json())
  : () => client.echo(payload).then(() => {});
await drive(call, inFlight, 5_000);
const serverCpu = async () => {
  const { user, system } = JSON.parse(await server.ask("cpu"));
  return user + system;
};
const [callerBefore, serverBefore] = [cpuUsage(), await serverCpu()];
const run = await drive(call, inFlight, calls);
const callerSpent = cpuUsage(callerBefore);
const serverSpent = await serverCpu() - serverBefore;
const perCall = (micros: number) => (micros / run.calls).toFixed(1);
console.log(
  `${run.calls} calls, ${inFlight} in flight: ${Math.round(run.calls / run.seconds)} req/s; ` +
    `CPU µs per call: caller ${perCall(callerSpent.user + callerSpent.system)}, ` +
    `server ${perCall(serverSpent)}`,
);
await nc.close();
await server.stop();
await nats.dispose();
Deno.exit(0);
