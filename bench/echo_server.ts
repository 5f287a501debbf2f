/**
 * The platform's echo server in a process of its own, as a service is deployed:
 * `deno run --allow-all bench/echo_server.ts <nats url>`, signed in when given NKey seeds: the
 * echo service's identity's in BENCH_ECHO_SEED, the raw responder's in BENCH_RAW_SEED (its name in
 * BENCH_RAW_NAME); trusting NATS_CA_FILE for a tls:// URL. It serves the echo contract
 * (bench/echo.ts) and answers raw requests on `rawSubject` with their bytes, prints "ready" once
 * both are routable, answers each line on stdin with the CPU it has used so far (`{"user",
 * "system"}`, µs), and stops on SIGTERM or when its stdin closes (flushing a `--cpu-prof`).
 */
import { cpuUsage } from "node:process";
import { connectNats, serveRpc } from "../shared/bus/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { readLines } from "./child_process.ts";
import { echoApi, rawSubject } from "./echo.ts";

const [url] = Deno.args;
// Empty is none: the benchmark passes "" when NATS runs without authorization.
const [seed, rawSeed] = ["BENCH_ECHO_SEED", "BENCH_RAW_SEED"].map((name) =>
  Deno.env.get(name) || undefined
);
const trust = { caFile: Deno.env.get("NATS_CA_FILE") || undefined };
// With a seed, the name is the identity's: its inbox prefix is the only one it may read.
const nc = await connectNats(url, seed ? echoApi.name : "bench-echo-server", seed, trust);
const rawNc = rawSeed
  ? await connectNats(url, Deno.env.get("BENCH_RAW_NAME") ?? "", rawSeed, trust)
  : nc;
const server = await serveRpc(nc, echoApi, { echo: (request) => Promise.resolve(request) }, {
  version: "0.0.0",
  log: createLogger({ service: echoApi.name, level: "error" }),
});
const raw = rawNc.subscribe(rawSubject, {
  callback: (_error, msg) => {
    msg.respond(msg.data);
  },
});
await rawNc.flush();
console.log("ready");

const stopped = Promise.withResolvers<void>();
Deno.addSignalListener("SIGTERM", () => stopped.resolve());
// A parent that dies without a word closes our stdin: no orphan is left serving.
void (async () => {
  for await (const _line of readLines(Deno.stdin.readable)) {
    console.log(JSON.stringify(cpuUsage()));
  }
})().finally(() => stopped.resolve());
await stopped.promise;
raw.unsubscribe();
await server.stop();
if (rawNc !== nc) await rawNc.close();
await nc.close();
Deno.exit(0);
