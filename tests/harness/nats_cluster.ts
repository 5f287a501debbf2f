/**
 * A real three-node nats-server cluster with JetStream on loopback: each node on free ports (client,
 * route, WebSocket) with a temporary store of its own, all with the same authorization as the
 * single test server (tests/harness/nats_server.ts), so a stack runs on it unchanged. Its `url`
 * names every node, comma-separated, as NATS_URL does in production; a node can be killed and
 * restarted on its ports and store, and the leader of a stream found.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connectNats } from "../../shared/bus/mod.ts";
import {
  ExitedAtStart,
  findNatsServer,
  freePort,
  type NatsServer,
  type NatsServerOptions,
  spawn,
  testAuthorization,
  testIdentity,
} from "./nats_server.ts";

/** A running cluster; as a `NatsServer`, stop/start/restart act on every node. */
export interface NatsCluster extends NatsServer {
  /** Each node's `nats://127.0.0.1:<port>`, by node index. */
  nodeUrls: readonly string[];
  /** Each node's `server_name` (`n0`, `n1`, `n2`), as stream info names a leader. */
  nodeNames: readonly string[];
  /** SIGKILLs node `node` (0-based), keeping its store: a crash, not a shutdown. */
  kill(node: number): Promise<void>;
  /** Starts node `node` again on its ports and store (killing it first if it runs); all without. */
  restart(node?: number): Promise<void>;
  /** The index of the node that leads `stream`, waiting up to 15 s for an election to end. */
  leaderOf(stream: string): Promise<number>;
  /** Whether node `node` runs. */
  running(node: number): boolean;
}

const nodeCount = 3;

/** Starts three nodes and waits until JetStream answers through them (a meta leader exists). */
export async function startNatsCluster(options: NatsServerOptions = {}): Promise<NatsCluster> {
  if (options.tls) {
    throw new Error("the test cluster has no TLS (tests/nats_tls_test.ts covers it)");
  }
  const binary = await findNatsServer();
  const dir = await Deno.makeTempDir({ prefix: "nats-cluster-test-" });
  const { authorization, identities, authorizationText, seed } = testAuthorization(options);
  const processes: (Deno.ChildProcess | null)[] = Array(nodeCount).fill(null);
  const nodeNames = Array.from({ length: nodeCount }, (_, i) => `n${i}`);
  let ports: number[] = [];

  const configOf = (node: number) => `${dir}/${nodeNames[node]}.conf`;
  const writeConfigs = async (client: number[], route: number[], ws: number[]) => {
    for (let node = 0; node < nodeCount; node++) {
      const routes = route.map((port) => `nats-route://127.0.0.1:${port}`).join(", ");
      await Deno.writeTextFile(
        configOf(node),
        `server_name: ${nodeNames[node]}\nlisten: 127.0.0.1:${client[node]}\n` +
          `jetstream { store_dir: "${dir}/${nodeNames[node]}/store" }\n` +
          `cluster { name: test, listen: 127.0.0.1:${route[node]}, routes: [${routes}] }\n` +
          `websocket { listen: "127.0.0.1:${ws[node]}", no_tls: true }\n` +
          (options.maxPayload ? `max_payload: ${options.maxPayload}\n` : "") +
          `log_file: "${dir}/${nodeNames[node]}.log"\n` + authorizationText,
      );
    }
  };
  const startNode = async (node: number) => {
    if (!processes[node]) processes[node] = await spawn(binary, configOf(node), ports[node]);
  };
  const stopNode = async (node: number, signal: Deno.Signal = "SIGTERM") => {
    const process = processes[node];
    processes[node] = null;
    if (!process) return;
    try {
      process.kill(signal);
    } catch {
      // already gone
    }
    await process.status;
  };

  // A free port is free only until someone else binds it: on a clash start all over.
  let wsPorts: number[] = [];
  for (let attempt = 1;; attempt++) {
    ports = Array.from({ length: nodeCount }, freePort);
    wsPorts = Array.from({ length: nodeCount }, freePort);
    await writeConfigs(ports, Array.from({ length: nodeCount }, freePort), wsPorts);
    try {
      for (let node = 0; node < nodeCount; node++) await startNode(node);
      break;
    } catch (error) {
      for (let node = 0; node < nodeCount; node++) await stopNode(node);
      if (!(error instanceof ExitedAtStart) || attempt === 5) throw error;
    }
  }
  const nodeUrls = ports.map((port) => `nats://127.0.0.1:${port}`);
  const url = nodeUrls.join(",");
  const nc: NatsConnection = await connectNats(url, testIdentity, seed(testIdentity));
  // Until a meta leader is elected JetStream answers nothing: no API check at creation.
  const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 1000 });
  await until(
    () => jsm.getAccountInfo().then(() => true, () => false),
    "JetStream answers",
    30_000,
  );
  // Answering is not enough: until every server has joined, an R3 stream finds no place. Placing
  // one takes its group's election, over a second on a loaded machine (CI ran out of 15 s with a
  // 1 s request timeout): a longer timeout, a longer wait.
  const placing = await jetstreamManager(nc, { checkAPI: false, timeout: 5000 });
  await until(
    () =>
      placing.streams.add({ name: "CLUSTER_READY", subjects: ["cluster.ready"], num_replicas: 3 })
        .then(() => placing.streams.delete("CLUSTER_READY"), () => false),
    "place for three replicas",
    60_000,
  );

  const leaderOf = async (stream: string) => {
    let leader = -1;
    await until(async () => {
      const info = await jsm.streams.info(stream).catch(() => null);
      leader = nodeNames.indexOf(info?.cluster?.leader ?? "");
      return leader >= 0 && processes[leader] !== null;
    }, `a leader of ${stream}`);
    return leader;
  };
  const each = async (action: (node: number) => Promise<void>) => {
    for (let node = 0; node < nodeCount; node++) await action(node);
  };

  return {
    url,
    nodeUrls,
    nodeNames,
    wsUrl: `ws://127.0.0.1:${wsPorts[0]}`,
    authorization,
    identities,
    seed,
    violations: async () => {
      const logs = await Promise.all(
        nodeNames.map((name) => Deno.readTextFile(`${dir}/${name}.log`).catch(() => "")),
      );
      return logs.join("\n").split("\n").filter((line) => / Violation /.test(line));
    },
    running: (node) => processes[node] !== null,
    kill: (node) => stopNode(node, "SIGKILL"),
    restart: async (node) => {
      if (node === undefined) {
        await each((n) => stopNode(n));
        return each(startNode);
      }
      await stopNode(node);
      await startNode(node);
    },
    leaderOf,
    stop: () => each((node) => stopNode(node)),
    start: () => each(startNode),
    wipeStore: () =>
      each((node) =>
        Deno.remove(`${dir}/${nodeNames[node]}/store`, { recursive: true }).catch(() => {})
      ),
    dispose: async () => {
      await nc.close();
      await each((node) => stopNode(node));
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Polls `check` every 100 ms until it is true, throwing after `timeoutMs` that `what` never was. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`the test cluster: no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
