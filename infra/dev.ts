/**
 * `deno task dev`: a local nats-server (unless NATS_URL names one), then every service of
 * infra/services.ts, each serving HTTP on its port (HTTP_PORT, so SIGTERM drains it), their
 * output interleaved behind their names. Ctrl-C
 * stops them all; a service that dies stops them all too, as a stack half up misleads.
 *
 * DATA_DIR (default .data) holds the JetStream store and each service's PGlite. To run beside
 * another stack: DEV_PORT_OFFSET shifts every service port, DEV_NATS_PORT=N moves NATS to
 * N (client), N+1 (WebSocket) and N+2 (monitoring).
 */
import { fileURLToPath } from "node:url";
import { label, type LabelledProcess, startLabelledProcess } from "./dev/labelled_process.ts";
import {
  findNatsServer,
  isPortFree,
  natsInstallHint,
  natsServerArgs,
  waitUntilListening,
} from "./dev/nats_server.ts";
import { servicePermissions, services } from "./services.ts";

const names = ["dev", "nats", ...services.map((service) => service.name)];
const width = Math.max(...names.map((name) => name.length));
const prefixes = new Map(names.map((name, index) => [name, label(name, index, width)]));
const say = (line: string) => console.log(`${prefixes.get("dev")} ${line}`);

const root = fileURLToPath(new URL("..", import.meta.url));
const dataDir = Deno.env.get("DATA_DIR") || ".data";
const portOffset = integerFromEnv("DEV_PORT_OFFSET") ?? 0;
const natsPort = integerFromEnv("DEV_NATS_PORT");
const stopGraceMs = 5000;

const running: LabelledProcess[] = [];
let stopping = false;

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => void stopAll(0));
}

const env: Record<string, string> = { DATA_DIR: dataDir };
if (!Deno.env.get("JWT_SECRET")) {
  env.JWT_SECRET = "dev-only-secret-never-use-outside-your-machine";
  say("JWT_SECRET is unset: using a dev-only secret");
}
env.NATS_URL = Deno.env.get("NATS_URL") || await startNats();
// One variable points the stack at a trace viewer: OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318
const tracing = Boolean(Deno.env.get("OTEL_EXPORTER_OTLP_ENDPOINT"));
if (tracing) {
  env.OTEL_DENO = "true";
  say(`tracing on: OTLP to ${Deno.env.get("OTEL_EXPORTER_OTLP_ENDPOINT")}`);
}

for (const service of services) {
  const port = service.port + portOffset;
  start(service.name, Deno.execPath(), [
    "run",
    ...servicePermissions,
    `services/${service.name}/main.ts`,
  ], { HTTP_PORT: String(port), ...(tracing ? { OTEL_SERVICE_NAME: service.name } : {}) });
}

const gateway = services.find((service) => service.name === "gateway");
if (gateway) announceWhenReady(`http://localhost:${gateway.port + portOffset}`);

async function startNats(): Promise<string> {
  const binary = await findNatsServer();
  if (!binary) {
    console.error(natsInstallHint);
    Deno.exit(1);
  }
  const { args, clientPort } = await natsServerArgs(root, dataDir, natsPort);
  if (!isPortFree(clientPort)) {
    say(`port ${clientPort} is taken, maybe by another NATS. To use that one:`);
    say(`  NATS_URL=nats://127.0.0.1:${clientPort} deno task dev`);
    say("or give this stack its own: DEV_NATS_PORT=<port> deno task dev");
    Deno.exit(1);
  }
  const nats = start("nats", binary, args);
  if (!await waitUntilListening(clientPort, nats.status)) {
    say(`nats-server did not listen on ${clientPort}`);
    await stopAll(1);
  }
  const url = `nats://127.0.0.1:${clientPort}`;
  say(`nats-server on ${url}, store in ${dataDir}/nats`);
  return url;
}

function start(
  name: string,
  command: string,
  args: string[],
  ownEnv: Record<string, string> = {},
): LabelledProcess {
  const child = startLabelledProcess(name, prefixes.get(name)!, command, {
    args,
    cwd: root,
    env: { ...env, ...ownEnv },
  });
  running.push(child);
  child.status.then((status) => {
    if (stopping) return;
    const how = status.signal ? `signal ${status.signal}` : `code ${status.code}`;
    say(`${name} exited on its own (${how}); stopping everything`);
    stopAll(1);
  });
  return child;
}

/** Services first, so they drain their NATS connections while NATS is still there. */
async function stopAll(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say("stopping");
    const isNats = (child: LabelledProcess) => child.name === "nats";
    const stop = (child: LabelledProcess) => child.stop(stopGraceMs);
    await Promise.all(running.filter((child) => !isNats(child)).map(stop));
    await Promise.all(running.filter(isNats).map(stop));
    Deno.exit(exitCode);
  }
  return await new Promise<never>(() => {});
}

/** Polls the gateway's readiness; says once what it waits for if that takes long. */
async function announceWhenReady(url: string) {
  const patienceUntil = Date.now() + 30_000;
  let complained = false;
  while (!stopping) {
    try {
      const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) });
      const body = await response.text();
      if (response.ok) return say(`ready: the gateway listens on ${url}`);
      if (!complained && Date.now() > patienceUntil) {
        complained = true;
        say(`the gateway is not ready yet: ${body}`);
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function integerFromEnv(name: string): number | undefined {
  const value = Deno.env.get(name);
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value)) {
    say(`${name} must be a whole number, got "${value}"`);
    Deno.exit(1);
  }
  return Number(value);
}
