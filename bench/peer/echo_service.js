// The Moleculer peer's echo service, in its own Node process: `node echo_service.js <nats url>`.
// It answers `echo.echo` with the params it was sent, checked against the same shape as the
// platform's echo contract, prints "ready" once its broker has started, and answers each line on
// stdin with the CPU it has used so far (`{"user", "system"}`, µs).
import { createInterface } from "node:readline";
import moleculer from "moleculer";
import { natsOptions } from "./nats_options.js";

const [url] = process.argv.slice(2);
const broker = new moleculer.ServiceBroker({
  nodeID: `bench-echo-${process.pid}`,
  transporter: { type: "NATS", options: natsOptions(url) },
  serializer: "JSON",
  logger: false,
});
broker.createService({
  name: "echo",
  actions: {
    echo: {
      params: { id: "string", n: "number" },
      handler: (ctx) => ctx.params,
    },
  },
});
await broker.start();
console.log("ready");
process.on("SIGTERM", () => broker.stop().then(() => process.exit(0)));
for await (const _line of createInterface({ input: process.stdin })) {
  console.log(JSON.stringify(process.cpuUsage()));
}
