/**
 * Request-reply across two processes, the way it is deployed: the platform's typed call to its
 * echo server (bench/echo_server.ts, a Deno process of its own), Moleculer's call between two
 * Node processes (bench/moleculer_peer.ts), and raw nats.js's request to a raw responder in the
 * echo server's process; all through one nats-server, at 1, 64 and 256 requests in flight, the
 * three sides in alternating rounds. The callers of the platform and raw sides run in the
 * benchmark's own process.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { connectNats, rpcClient } from "../shared/bus/mod.ts";
import { BreakerRegistry } from "../shared/resilience/mod.ts";
import { startNatsServer } from "../tests/harness/nats_server.ts";
import { startLineChild } from "./child_process.ts";
import { echoApi, echoPayload, rawSubject } from "./echo.ts";
import { type MoleculerPeer, startMoleculerPeer } from "./moleculer_peer.ts";
import type { BenchOptions, Row } from "./report.ts";
import { alternating, local } from "./rounds.ts";

/** The rows' names: `<n> in flight, two processes`. */
export const peerRowName = (inFlight: number) => `${inFlight} in flight, two processes`;
export const peerInFlights = [1, 64, 256];

/**
 * One row per number in flight: the platform, raw nats.js and Moleculer, each side's req/s, p50
 * and p99 (ms), CPU per call (µs of user and system time of its caller's and its server's
 * processes; nats-server's is not counted), and the platform's throughput over each. Without the Moleculer peer (no Node,
 * its install failed) its columns say why instead.
 */
export async function peerRoundTrips(options: BenchOptions): Promise<Row[]> {
  const nats = await startNatsServer({ authorization: false });
  const stops: (() => Promise<void>)[] = [() => nats.dispose()];
  try {
    const server = await startLineChild(Deno.execPath(), [
      "run",
      "--allow-all",
      new URL("./echo_server.ts", import.meta.url).pathname,
      nats.url,
    ]);
    stops.unshift(() => server.stop());
    const nc = await connectNats(nats.url, "bench-peer-caller");
    stops.unshift(() => nc.close());
    let peer: MoleculerPeer | string;
    try {
      peer = await startMoleculerPeer(nats.url);
      stops.unshift(peer.stop);
    } catch (error) {
      peer = `missing: ${(error as Error).message}`;
    }
    const serverCpu = async () => {
      const { user, system } = JSON.parse(await server.ask("cpu"));
      return user + system;
    };
    return await rows(nc, peer, serverCpu, options);
  } finally {
    for (const stop of stops) await stop();
  }
}

async function rows(
  nc: NatsConnection,
  peer: MoleculerPeer | string,
  serverCpu: () => Promise<number>,
  options: BenchOptions,
): Promise<Row[]> {
  const client = rpcClient(nc, echoApi, { timeoutMs: 5000, breakers: new BreakerRegistry() });
  const payload = echoPayload();
  const encoded = JSON.stringify(payload);
  const platform = local(() => client.echo(payload).then(() => {}), serverCpu);
  const raw = local(
    () => nc.request(rawSubject, encoded, { timeout: 5000 }).then((m) => void m.json()),
    serverCpu,
  );
  const rows: Row[] = [];
  for (const inFlight of peerInFlights) {
    const total = (options.quick ? 1_500 : 30_000) * (inFlight === 1 ? 0.2 : 1);
    const name = peerRowName(inFlight);
    options.progress(`rpc: ${name}`);
    const sides = typeof peer === "string" ? [platform, raw] : [platform, peer.side, raw];
    const measured = await alternating(sides, inFlight, total, 3);
    const [ours, baseline] = [measured[0], measured.at(-1)!];
    const row: Row = {
      name,
      "raw req/s": baseline.perSecond,
      "platform req/s": ours.perSecond,
      "throughput ratio": ours.perSecond / baseline.perSecond,
      "raw p50 ms": baseline.p50,
      "platform p50 ms": ours.p50,
      "raw p99 ms": baseline.p99,
      "platform p99 ms": ours.p99,
      "raw CPU µs/call": baseline.cpuPerCall!,
      "platform CPU µs/call": ours.cpuPerCall!,
    };
    if (typeof peer === "string") row["Moleculer req/s"] = peer;
    else {
      const moleculer = measured[1];
      Object.assign(row, {
        "Moleculer req/s": moleculer.perSecond,
        "Moleculer p50 ms": moleculer.p50,
        "Moleculer p99 ms": moleculer.p99,
        "Moleculer CPU µs/call": moleculer.cpuPerCall!,
        "platform ÷ Moleculer": ours.perSecond / moleculer.perSecond,
      });
    }
    rows.push(row);
  }
  return rows;
}
