/**
 * The platform's typed request-reply (validation on both sides, error envelope, deadline
 * header, breaker) against raw `nc.request` to a raw responder, on the same nats-server, with
 * the same payload, at 1, 64 and 256 requests in flight; then at 1 and 64 with NATS secured
 * (bench/security.ts): NKey identities, and NKeys over TLS.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import * as z from "zod";
import { connectNats, rpcClient, serveRpc } from "../shared/bus/mod.ts";
import { defineRpcService } from "../shared/contracts/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { BreakerRegistry } from "../shared/resilience/mod.ts";
import { startNatsServer } from "../tests/harness/nats_server.ts";
import { type BenchOptions, percentile, type Row, type SuiteResult } from "./report.ts";
import { rowName, securities, type Security } from "./security.ts";

const echoApi = defineRpcService("benchecho", {
  echo: {
    request: z.object({ id: z.string(), n: z.number() }),
    reply: z.object({ id: z.string(), n: z.number() }),
    idempotent: true,
  },
});
const rawSubject = "bench.raw.echo";

/** The platform's caller, with permissions to call echoApi only. */
const callerName = "benchcaller";
/** Raw requests go as an identity that may do anything, on the same server. */
const rawName = "test";

export async function rpcRoundTrips(options: BenchOptions): Promise<SuiteResult> {
  const rows: Row[] = [];
  for (const security of securities) {
    // Securing NATS costs per message (TLS) and per connection (NKeys): 1 and 64 show both.
    const inFlights = security.label ? [1, 64] : [1, 64, 256];
    rows.push(...await roundTrips(security, inFlights, options));
  }
  return {
    suite: "RPC round trip: platform request-reply vs raw nats.js",
    rows,
    notes: [
      "Target: platform within 15% of raw in throughput and p50 (ratio >= 0.85).",
      "NKeys: each side signs in with its own identity and the permissions generated from what it" +
      " declares (raw: an identity allowed everything); + TLS: the same over tls://.",
    ],
  };
}

async function roundTrips(security: Security, inFlights: number[], options: BenchOptions) {
  const nats = await startNatsServer({
    authorization: security.authorization,
    tls: security.tls,
    services: [
      { name: echoApi.name, bus: { serves: echoApi } },
      { name: callerName, bus: { calls: [echoApi] } },
    ],
  });
  const trust = { caFile: nats.caFile };
  const signedIn = (name: string, fallback: string) =>
    connectNats(nats.url, security.authorization ? name : fallback, nats.seed(name), trust);
  const serverNc = await signedIn(echoApi.name, "bench-server");
  const clientNc = await signedIn(callerName, "bench-client");
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
  const payload = { id: crypto.randomUUID(), n: 42 };
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
        [() => calls.raw(rawNc), calls.platform],
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

/**
 * `total` calls of each of `calls`, in `rounds` turns taken one after the other, after a warm-up
 * of each: a ratio of two runs of about a second each moves with whatever the machine does in
 * that second (this virtual machine's speed drifts within a minute), and the one measured second
 * would profit from the first one's warm-up.
 */
async function alternating(
  calls: (() => Promise<void>)[],
  inFlight: number,
  total: number,
  rounds: number,
) {
  for (const call of calls) await drive(call, inFlight, Math.min(total / 10, 1_000));
  const runs = calls.map(() => ({ calls: 0, seconds: 0, latencies: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    for (const [i, call] of calls.entries()) {
      const run = await drive(call, inFlight, Math.round(total / rounds));
      runs[i].calls += run.calls;
      runs[i].seconds += run.seconds;
      runs[i].latencies.push(...run.latencies);
    }
  }
  return runs.map((run) => ({
    perSecond: run.calls / run.seconds,
    p50: percentile(run.latencies, 50),
    p99: percentile(run.latencies, 99),
  }));
}

/** Runs `total` calls keeping `inFlight` outstanding: how long it took, and each call's latency. */
export async function drive(call: () => Promise<void>, inFlight: number, total: number) {
  const latencies: number[] = [];
  let started = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (started < total) {
      started++;
      const t = performance.now();
      await call();
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { calls: total, seconds: (performance.now() - t0) / 1000, latencies };
}
