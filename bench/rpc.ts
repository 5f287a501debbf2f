/**
 * The platform's typed request-reply (validation on both sides, error envelope, deadline
 * header, breaker) against raw `nc.request` to a raw responder, on the same nats-server, with
 * the same payload, at 1, 64 and 256 requests in flight; then at 1 and 64 with NATS secured
 * (bench/security.ts): NKey identities, and NKeys over TLS; then with the server in a process of
 * its own, beside Moleculer (bench/peer_rpc.ts).
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { connectNats, rpcClient, serveRpc } from "../shared/bus/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { BreakerRegistry } from "../shared/resilience/mod.ts";
import { startNatsServer } from "../tests/harness/nats_server.ts";
import { echoApi, echoCallerName, echoPayload, echoServices, rawSubject } from "./echo.ts";
import type { BenchOptions, Row, SuiteResult } from "./report.ts";
import { peerRoundTrips } from "./peer_rpc.ts";
import { alternating, local } from "./rounds.ts";
import { rowName, securities, type Security } from "./security.ts";

/** Kept here too: the saga's benchmarks drive their calls with it. */
export { drive } from "./rounds.ts";

/** Raw requests go as an identity that may do anything, on the same server. */
const rawName = "test";

export async function rpcRoundTrips(options: BenchOptions): Promise<SuiteResult> {
  const rows: Row[] = [];
  for (const security of securities) {
    // Securing NATS costs per message (TLS) and per connection (NKeys): 1 and 64 show both.
    const inFlights = security.label ? [1, 64] : [1, 64, 256];
    rows.push(...await roundTrips(security, inFlights, options));
  }
  rows.push(...await peerRoundTrips(options));
  return {
    suite: "RPC round trip: platform request-reply vs raw nats.js",
    rows,
    notes: [
      "Target: platform within 15% of raw in throughput and p50 (ratio >= 0.85).",
      "NKeys: each side signs in with its own identity and the permissions generated from what it" +
      " declares (raw: an identity allowed everything); + TLS: the same over tls://.",
      "Two processes: the echo server in a process of its own (the platform's and raw's in one" +
      " Deno process, Moleculer 0.14's in a Node one, its NATS transporter, JSON), the callers in" +
      " the benchmark's (Moleculer's in a second Node process); three alternating rounds.",
    ],
  };
}

async function roundTrips(security: Security, inFlights: number[], options: BenchOptions) {
  const nats = await startNatsServer({
    authorization: security.authorization,
    tls: security.tls,
    services: echoServices,
  });
  const trust = { caFile: nats.caFile };
  const signedIn = (name: string, fallback: string) =>
    connectNats(nats.url, security.authorization ? name : fallback, nats.seed(name), trust);
  const serverNc = await signedIn(echoApi.name, "bench-server");
  const clientNc = await signedIn(echoCallerName, "bench-client");
  const rawNc = await signedIn(rawName, "bench-raw");
  const server = await serveRpc(
    serverNc,
    echoApi,
    { echo: (request) => Promise.resolve(request) },
    {
      version: "0.0.0",
      log: createLogger({ service: "benchecho", level: "error" }),
    },
  );
  const raw = rawNc.subscribe(rawSubject, {
    callback: (_error, msg) => {
      msg.respond(msg.data);
    },
  });
  await rawNc.flush();
  const client = rpcClient(clientNc, echoApi, { timeoutMs: 5000, breakers: new BreakerRegistry() });
  const payload = echoPayload();
  const encoded = JSON.stringify(payload);
  const calls = {
    platform: () => client.echo(payload).then(() => {}),
    raw: (nc: NatsConnection) =>
      nc.request(rawSubject, encoded, { timeout: 5000 }).then((m) => void m.json()),
  };
  const rows: Row[] = [];
  try {
    for (const inFlight of inFlights) {
      const total = (options.quick ? 2_000 : 20_000) * (inFlight === 1 ? 0.25 : 1);
      const name = rowName(`${inFlight} in flight`, security);
      options.progress(`rpc: ${name}`);
      const [baseline, platform] = await alternating(
        [local(() => calls.raw(rawNc)), local(calls.platform)],
        inFlight,
        total,
        options.quick ? 2 : 5,
      );
      rows.push({
        name,
        "raw req/s": baseline.perSecond,
        "platform req/s": platform.perSecond,
        "throughput ratio": platform.perSecond / baseline.perSecond,
        "raw p50 ms": baseline.p50,
        "platform p50 ms": platform.p50,
        "raw p99 ms": baseline.p99,
        "platform p99 ms": platform.p99,
      });
    }
  } finally {
    raw.unsubscribe();
    await server.stop();
    await clientNc.close();
    await rawNc.close();
    await serverNc.close();
    await nats.dispose();
  }
  return rows;
}
