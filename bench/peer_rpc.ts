/**
 * Request-reply across two processes, the way it is deployed: the platform's typed call to its
 * echo server (bench/echo_server.ts, a Deno process of its own), Moleculer's call between two
 * Node processes (bench/moleculer_peer.ts), and raw nats.js's request to a raw responder in the
 * echo server's process; all through one nats-server, the three sides in alternating rounds, with
 * NATS as bench/security.ts secures it (none, NKeys, NKeys + TLS). The callers of the platform and
 * raw sides run in the benchmark's own process.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { Permissions } from "../infra/nats/permissions.ts";
import { connectNats, rpcClient } from "../shared/bus/mod.ts";
import { BreakerRegistry } from "../shared/resilience/mod.ts";
import { startNatsServer, testIdentity } from "../tests/harness/nats_server.ts";
import { startLineChild } from "./child_process.ts";
import { echoApi, echoCallerName, echoPayload, echoServices, rawSubject } from "./echo.ts";
import { type MoleculerPeer, startMoleculerPeer } from "./moleculer_peer.ts";
import type { BenchOptions, Row } from "./report.ts";
import { alternating, local } from "./rounds.ts";
import { rowName, securities, type Security } from "./security.ts";

/** Calls in flight per row: 1, 64 and 256; over TLS 1 and 64, as the one-process rows. */
const inFlightsOf = (security: Security) => security.tls ? [1, 64] : [1, 64, 256];

/** The rows, in order: `<n> in flight, two processes[, <security>]`. */
export const peerRowNames: string[] = securities.flatMap((security) =>
  inFlightsOf(security).map((inFlight) => rowName(`${inFlight} in flight, two processes`, security))
);

/** Moleculer's two processes sign in as one identity, allowed its transporter's subjects. */
const moleculer: { name: string; permissions: Permissions } = {
  name: "moleculer",
  permissions: {
    publish: { allow: ["MOL.>"], deny: [] },
    subscribe: { allow: ["MOL.>", "_INBOX.>"], deny: [] },
    allowResponses: false,
  },
};

/**
 * One row per number in flight and way of securing NATS: the platform, raw nats.js and
 * Moleculer, each side's req/s, p50 and p99 (ms), CPU per call (µs of user and system time of its
 * caller's and its server's processes; nats-server's is not counted), and the platform's
 * throughput over each. Without the Moleculer peer (no Node, its install failed) its columns say
 * why instead.
 */
export async function peerRoundTrips(options: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const security of securities) rows.push(...await securedRoundTrips(security, options));
  return rows;
}

async function securedRoundTrips(security: Security, options: BenchOptions): Promise<Row[]> {
  const nats = await startNatsServer({
    authorization: security.authorization,
    tls: security.tls,
    services: echoServices,
    extraIdentities: security.authorization ? [moleculer] : [],
  });
  const caFile = nats.caFile;
  const stops: (() => Promise<void>)[] = [() => nats.dispose()];
  try {
    const server = await startLineChild(Deno.execPath(), [
      "run",
      "--allow-all",
      new URL("./echo_server.ts", import.meta.url).pathname,
      nats.url,
    ], {
      env: {
        BENCH_ECHO_SEED: nats.seed(echoApi.name) ?? "",
        BENCH_RAW_SEED: nats.seed(testIdentity) ?? "",
        BENCH_RAW_NAME: testIdentity,
        NATS_CA_FILE: caFile ?? "",
      },
    });
    stops.unshift(() => server.stop());
    const signedIn = (name: string) =>
      connectNats(nats.url, name, nats.seed(name), { caFile }).then((nc) => {
        stops.unshift(() => nc.close());
        return nc;
      });
    const [callerNc, rawNc] = [await signedIn(echoCallerName), await signedIn(testIdentity)];
    let peer: MoleculerPeer | string;
    try {
      peer = await startMoleculerPeer(nats.url, { seed: nats.seed(moleculer.name), caFile });
      stops.unshift(peer.stop);
    } catch (error) {
      peer = `missing: ${(error as Error).message}`;
    }
    const serverCpu = async () => {
      const { user, system } = JSON.parse(await server.ask("cpu"));
      return user + system;
    };
    return await rows({ callerNc, rawNc, peer, serverCpu, security }, options);
  } finally {
    for (const stop of stops) await stop();
  }
}

interface Sides {
  callerNc: NatsConnection;
  rawNc: NatsConnection;
  peer: MoleculerPeer | string;
  serverCpu: () => Promise<number>;
  security: Security;
}

async function rows(
  { callerNc, rawNc, peer, serverCpu, security }: Sides,
  options: BenchOptions,
): Promise<Row[]> {
  const client = rpcClient(callerNc, echoApi, { timeoutMs: 5000, breakers: new BreakerRegistry() });
  const payload = echoPayload();
  const encoded = JSON.stringify(payload);
  const platform = local(() => client.echo(payload).then(() => {}), serverCpu);
  const raw = local(
    () => rawNc.request(rawSubject, encoded, { timeout: 5000 }).then((m) => void m.json()),
    serverCpu,
  );
  const rows: Row[] = [];
  for (const inFlight of inFlightsOf(security)) {
    const total = (options.quick ? 1_500 : 30_000) * (inFlight === 1 ? 0.2 : 1);
    const name = rowName(`${inFlight} in flight, two processes`, security);
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
