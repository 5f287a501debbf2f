/**
 * `deno task dev`: a local nats-server (unless NATS_URL names one), then every service of the
 * registry (services/registry.ts), each serving HTTP on its port (HTTP_PORT, so SIGTERM drains
 * it), their output interleaved behind their names. A service that dies stops them all, as a
 * stack half up misleads.
 *
 * Ports: each process gets its usual port (NATS 4222, WebSocket 9222, monitoring 8222, the
 * services those of the registry) or, when that one is taken, one the system picks; the
 * runner says which. DEV_NATS_PORT=N asks for N, N+1 and N+2 for NATS instead, DEV_PORT_OFFSET
 * shifts every service port. The addresses chosen go to `<DATA_DIR>/dev.json`, where
 * `deno task ops` finds NATS without NATS_URL; the file goes when the stack stops.
 *
 * Ctrl-C (or SIGTERM, or SIGHUP when the terminal closes) stops the services first, so they
 * drain their NATS connections while NATS is still there, then nats-server. The children run
 * in their own sessions (infra/dev/labelled_process.ts), so the terminal's Ctrl-C reaches only
 * the runner (and `deno task`, which forwards it to the runner: that copy, within a second of the
 * first, is absorbed; infra/dev/stop_signals.ts); a second Ctrl-C, later, kills them at once.
 *
 * DATA_DIR (default .data) holds the JetStream store, each service's PGlite and the key access
 * tokens are signed with (made on the first start, given to the users service only; a
 * TOKEN_SIGNING_KEY in the environment wins). With its own nats-server it also holds the NATS
 * identities (`<DATA_DIR>/credentials/<name>.nk`, one NKey seed per service and the operator's,
 * made on the first start, mode 0600): the server's configuration is written from them and the
 * registry's declarations at every start, and each service is given its own seed alone (the
 * gateway also the operator's, for its admin routes). A server named by NATS_URL is the user's:
 * its authorization is theirs, and the services get NATS_NKEY_SEED only if the user sets it.
 *
 * DEV_EDGE=orders,payments runs those services behind the bridge (TRANSPORT=bridge) and the bridge
 * beside them (its own identity, /health on 8089): see infra/dev/edge.ts. Unset, nothing changes.
 * The dashboard (infra/dev/dashboard.ts) on 8090 (DEV_DASHBOARD_PORT) keeps every line printed
 * and receives the services' traces (DEV_TRACING=off: none; infra/dev/tracing.ts).
 * DEV_INSTANCES=payments=2 runs a second payments, `payments#2` (infra/dev/instances.ts).
 */
import { fileURLToPath } from "node:url";
import { redactUrl } from "../shared/config/mod.ts";
import { label, type LabelledProcess, startLabelledProcess } from "./dev/labelled_process.ts";
import {
  devConfPorts,
  findNatsServer,
  natsInstallHint,
  type NatsPorts,
  natsServerArgs,
  PortChooser,
  waitUntilListening,
} from "./dev/nats_server.ts";
import { devSigningKey, signingKeyFile } from "./dev/signing_key.ts";
import { type DevStack, removeDevStack, writeDevStack } from "./dev/stack_file.ts";
import { StopSignals } from "./dev/stop_signals.ts";
import * as devEdges from "./dev/edge.ts";
import { dashboardDevPort, DevDashboard } from "./dev/dashboard.ts";
import { devInstances, instancePorts } from "./dev/instances.ts";
import { devTracing } from "./dev/tracing.ts";
import { gatewayReady, wholeNumber } from "./dev/gateway_ready.ts";
import { registry as services } from "../services/registry.ts";
import {
  authorizationConfig,
  credentialsDir,
  type Identity,
  identityNames,
  loadOrCreateIdentities,
} from "./nats/credentials.ts";
import { operatorName } from "./nats/permissions.ts";

/** Permissions a service needs locally; PGlite keeps its files under DATA_DIR. */
const servicePermissions = ["net", "env", "read", "write", "sys"].map((p) => `--allow-${p}`);

/** Each service's instances' names (DEV_INSTANCES). */
const instances = settingOrExit(() => devInstances(services));
const names = ["dev", "nats", ...[...instances.values()].flat(), devEdges.bridgeName];
const width = Math.max(...names.map((name) => name.length));
const prefixes = new Map(names.map((name, index) => [name, label(name, index, width)]));
const say = (line: string) => console.log(`${prefixes.get("dev")} ${line}`);

const root = fileURLToPath(new URL("..", import.meta.url));
const dataDir = Deno.env.get("DATA_DIR") || ".data";
const portOffset = integerFromEnv("DEV_PORT_OFFSET") ?? 0;
const natsPort = integerFromEnv("DEV_NATS_PORT");
/** Longer than a service's own STOP_TIMEOUT_MS (shared/config), so it can finish first. */
const stopGraceMs = (integerFromEnv("STOP_TIMEOUT_MS") ?? 10_000) + 2_000;

const running: LabelledProcess[] = [];
const dashboard = new DevDashboard();
const ports = new PortChooser();
let stopping = false;
const stopSignals = new StopSignals();

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.addSignalListener(signal, () => {
    const meaning = stopSignals.received();
    if (meaning === "stop") return void stopAll(0);
    // deno task forwards the terminal's Ctrl-C, so one press arrives twice: not a second press.
    if (meaning === "duplicate") return;
    say("stopping now: SIGKILL to every process");
    for (const child of running) child.kill();
  });
}

const env: Record<string, string> = { DATA_DIR: dataDir };
/** What one service alone is given, by name. */
const serviceEnv: Record<string, Record<string, string>> = {};
const edge = await devEdges.devEdge(Deno.env.get("DEV_EDGE"), services).catch((error: Error) => {
  say(error.message);
  Deno.exit(1);
});
for (const name of edge?.carried ?? []) serviceEnv[name] = devEdges.edgeServiceEnv(edge!);
if (edge) say(`behind the bridge (DEV_EDGE): ${edge.carried.join(", ")}`);
if (!Deno.env.get("TOKEN_SIGNING_KEY")) {
  const { key, made } = await devSigningKey(dataDir);
  serviceEnv.users = { TOKEN_SIGNING_KEY: key };
  say(`token signing key ${made ? "made in" : "from"} ${signingKeyFile(dataDir)}`);
}
const givenNatsUrl = Deno.env.get("NATS_URL");
if (givenNatsUrl) say(`NATS from NATS_URL: ${redactUrl(givenNatsUrl)}`);
const identities = givenNatsUrl ? undefined : await natsIdentities();
const nats: NatsAddresses = givenNatsUrl ? { natsUrl: givenNatsUrl } : await startNats();
env.NATS_URL = nats.natsUrl;
const dashboardPort = choose(
  "dashboard",
  integerFromEnv("DEV_DASHBOARD_PORT") ?? dashboardDevPort + portOffset,
);
const dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
const tracing = settingOrExit(() => devTracing((name) => Deno.env.get(name), dashboardUrl));
Object.assign(env, tracing.env);
say(tracing.description);

const httpPorts = instancePorts(instances, services, portOffset, choose);
const urlOf = (name: string) => `http://localhost:${httpPorts.get(name)}`;
const gatewayUrl = urlOf("gateway");
const stack: DevStack = {
  ...nats,
  gatewayUrl,
  dashboardUrl,
  services: Object.fromEntries([...instances.keys()].map((name) => [name, urlOf(name)])),
  instances: Object.fromEntries([...instances].map(([name, all]) => [name, all.map(urlOf)])),
  pid: Deno.pid,
  startedAt: new Date().toISOString(),
};
say(`addresses in ${await writeDevStack(dataDir, stack)} (deno task ops reads NATS from it)`);
const operatorSeed = identities?.get(operatorName)?.seed ?? Deno.env.get("OPERATOR_NKEY_SEED");
if (!dashboard.serve({ port: dashboardPort, services, stack, operatorSeed, tracing, say })) {
  await stopAll(1);
}

for (const [service, names] of instances) {
  for (const name of names) {
    start(name, Deno.execPath(), ["run", ...servicePermissions, `services/${service}/main.ts`], {
      HTTP_PORT: String(httpPorts.get(name)),
      ...(tracing.on ? { OTEL_SERVICE_NAME: service } : {}),
      ...serviceEnv[service],
    });
  }
}

if (edge) {
  const port = choose("bridge HTTP", devEdges.bridgeDevPort + portOffset);
  const seed = identities?.get(devEdges.bridgeName)?.seed;
  const bridgeEnv = devEdges.bridgeEnv(edge, httpPorts, port, seed);
  const named: Record<string, string> = tracing.on
    ? { OTEL_SERVICE_NAME: devEdges.bridgeName }
    : {};
  start(devEdges.bridgeName, Deno.execPath(), devEdges.bridgeArgs, { ...bridgeEnv, ...named });
}

gatewayReady(gatewayUrl, () => stopping, say).then((ready) => {
  if (!ready) return;
  say(`ready: the gateway listens on ${gatewayUrl}`);
  say(`dashboard: ${dashboardUrl} (services, flow, orders, traces, events, logs)`);
});

/** `preferred` when free (0: any), else another free port, saying so. */
function choose(what: string, preferred: number): number {
  const { port } = ports.choose(preferred);
  if (port !== preferred && preferred !== 0) {
    say(`port ${preferred} (${what}) is taken: using ${port}`);
  }
  return port;
}

function integerFromEnv(name: string): number | undefined {
  return settingOrExit(() => wholeNumber(name, Deno.env.get(name)));
}

/** The setting `read` makes, or the runner exits saying what is wrong (before any label exists). */
function settingOrExit<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    console.error(`dev: ${(error as Error).message}`);
    Deno.exit(1);
  }
}

type NatsAddresses = Pick<DevStack, "natsUrl" | "websocketUrl" | "monitoringUrl">;

/** Each service's seed to it alone, the operator's to the gateway too; made on the first start. */
async function natsIdentities(): Promise<Map<string, Identity>> {
  const dir = credentialsDir(dataDir);
  const names = [...identityNames(services), ...(edge ? [devEdges.bridgeName] : [])];
  const identities = await loadOrCreateIdentities(dir, names);
  for (const service of services) {
    serviceEnv[service.name] = {
      ...serviceEnv[service.name],
      NATS_NKEY_SEED: identities.get(service.name)!.seed,
    };
  }
  serviceEnv.gateway = {
    ...serviceEnv.gateway,
    OPERATOR_NKEY_SEED: identities.get(operatorName)!.seed,
  };
  say(`NATS identities in ${dir} (a seed per service and the operator's; deno task ops uses it)`);
  return identities;
}

async function startNats(): Promise<NatsAddresses> {
  const binary = await findNatsServer();
  if (!binary) {
    console.error(natsInstallHint);
    Deno.exit(1);
  }
  const preferred: NatsPorts = natsPort === undefined
    ? devConfPorts
    : { client: natsPort, websocket: natsPort + 1, monitoring: natsPort + 2 };
  const chosen: NatsPorts = {
    client: choose("NATS client", preferred.client),
    websocket: choose("NATS WebSocket", preferred.websocket),
    monitoring: choose("NATS monitoring", preferred.monitoring),
  };
  const bridge = edge &&
    devEdges.bridgeUser(edge, services, identities!.get(devEdges.bridgeName)!.publicKey);
  const authorization = authorizationConfig(services, identities!, bridge ? [bridge] : []);
  const server = start("nats", binary, await natsServerArgs(root, dataDir, chosen, authorization));
  if (!await waitUntilListening(chosen.client, server.status)) {
    say(`nats-server did not listen on ${chosen.client}`);
    await stopAll(1);
  }
  const addresses = {
    natsUrl: `nats://127.0.0.1:${chosen.client}`,
    websocketUrl: `ws://127.0.0.1:${chosen.websocket}`,
    monitoringUrl: `http://127.0.0.1:${chosen.monitoring}`,
  };
  say(
    `nats-server on ${addresses.natsUrl} (WebSocket ${addresses.websocketUrl}, ` +
      `monitoring ${addresses.monitoringUrl}), JetStream store in ${dataDir}/nats`,
  );
  return addresses;
}

function start(
  name: string,
  command: string,
  args: string[],
  ownEnv: Record<string, string> = {},
): LabelledProcess {
  let child: LabelledProcess;
  try {
    child = startLabelledProcess(name, prefixes.get(name)!, command, {
      args,
      cwd: root,
      env: { ...env, ...ownEnv },
    }, (line) => dashboard.logs.append(name, line));
  } catch (error) {
    say(`could not start ${name} (${command}): ${(error as Error).message}`);
    stopAll(1);
    throw error;
  }
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
    stopSignals.stopping();
    say("stopping the services, then nats-server (Ctrl-C again to kill them at once)");
    await removeDevStack(dataDir);
    const isNats = (child: LabelledProcess) => child.name === "nats";
    const isBridge = (child: LabelledProcess) => child.name === devEdges.bridgeName;
    const stop = (child: LabelledProcess) => child.stop(stopGraceMs);
    // The bridge first: it settles the deliveries in hand while the services still answer.
    await Promise.all(running.filter(isBridge).map(stop));
    await Promise.all(running.filter((child) => !isNats(child) && !isBridge(child)).map(stop));
    await Promise.all(running.filter(isNats).map(stop));
    await dashboard.stop();
    say("stopped");
    Deno.exit(exitCode);
  }
  return await new Promise<never>(() => {});
}
