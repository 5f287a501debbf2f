// The Moleculer peer's caller, in its own Node process: `node caller.js <nats url>`. Once the
// echo service is seen it prints "ready", then runs one round per line read on stdin
// (`{"inFlight": 64, "total": 4000}`): that many calls of `echo.echo`, `inFlight` outstanding,
// answered by one line on stdout (`{"calls", "seconds", "latencies", "cpuMicros"}`: latencies in
// ms, the CPU this process used meanwhile in µs). Its loop is bench/rounds.ts's `drive`.
import { createInterface } from "node:readline";
import moleculer from "moleculer";
import { natsOptions } from "./nats_options.js";

const [url] = process.argv.slice(2);
const broker = new moleculer.ServiceBroker({
  nodeID: `bench-caller-${process.pid}`,
  transporter: { type: "NATS", options: natsOptions(url) },
  serializer: "JSON",
  logger: false,
  // As the platform's client: no call waits longer than 5 s.
  requestTimeout: 5000,
});
await broker.start();
await broker.waitForServices(["echo"], 10_000);
const payload = { id: crypto.randomUUID(), n: 42 };

async function drive(inFlight, total) {
  const latencies = [];
  const cpu = process.cpuUsage();
  let started = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (started < total) {
      started++;
      const t = performance.now();
      await broker.call("echo.echo", payload);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  return { calls: total, seconds, latencies, cpuMicros: user + system };
}

console.log("ready");
for await (const line of createInterface({ input: process.stdin })) {
  const { inFlight, total } = JSON.parse(line);
  console.log(JSON.stringify(await drive(inFlight, total)));
}
await broker.stop();
