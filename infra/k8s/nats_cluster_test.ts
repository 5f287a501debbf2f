/**
 * The NATS configurations of the Kubernetes manifests and of compose's cluster profile each form
 * a three-node JetStream cluster: the text as written, with each node's address and volume swapped
 * for a loopback port and a temporary folder, run by three real nats-servers. An R3 stream gets a
 * leader and two replicas; in Kubernetes, the pod's pre-stop command puts a server into lame duck
 * mode through its pid file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { freePort } from "../../tests/harness/nats_server.ts";
import { natsServerConfig } from "./nats.ts";

interface NodePorts {
  client: number;
  cluster: number;
  monitor: number;
}

/** `text` for node `index` of `names`, whose routes are `route(name)`, on loopback under `dir`. */
function loopbackConfig(
  text: string,
  names: readonly string[],
  route: (name: string) => string,
  index: number,
  ports: readonly NodePorts[],
  dir: string,
): string {
  let config = text
    .replace("listen: 0.0.0.0:4222", `listen: 127.0.0.1:${ports[index].client}`)
    .replace("http: 0.0.0.0:8222", `http: 127.0.0.1:${ports[index].monitor}`)
    .replace("listen: 0.0.0.0:6222", `listen: 127.0.0.1:${ports[index].cluster}`)
    .replace("/var/run/nats/nats.pid", join(dir, `${names[index]}.pid`))
    .replace("/data/jetstream", join(dir, `store-${index}`));
  names.forEach((name, other) => {
    config = config.replace(route(name), `nats://127.0.0.1:${ports[other].cluster}`);
  });
  return config;
}

async function healthy(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Runs `text` as the three nodes `names` (SERVER_NAME each), waits until all are healthy, checks
 * that an R3 stream spans them, then hands a connection and the folder to `more`; stops them after.
 */
async function withLoopbackCluster(
  text: string,
  names: readonly string[],
  route: (name: string) => string,
  more: (dir: string) => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "nats-cluster-config-" });
  const ports = names.map(() => ({ client: freePort(), cluster: freePort(), monitor: freePort() }));
  await Deno.writeTextFile(
    join(dir, "authorization.conf"),
    'authorization { users: [ { user: "test", password: "test" } ] }\n',
  );
  const servers = await Promise.all(names.map(async (name, index) => {
    const file = join(dir, `${name}.conf`);
    await Deno.writeTextFile(file, loopbackConfig(text, names, route, index, ports, dir));
    return new Deno.Command("nats-server", {
      args: ["-c", file, "-l", join(dir, `${name}.log`)],
      env: { SERVER_NAME: name },
      stdout: "null",
      stderr: "null",
    }).spawn();
  }));
  let nc: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    const healthyBy = Date.now() + 30_000;
    while (!(await Promise.all(ports.map((p) => healthy(p.monitor)))).every(Boolean)) {
      assert.ok(Date.now() < healthyBy, "the three servers were not healthy within 30 s");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    nc = await connect({
      servers: ports.map((p) => `nats://127.0.0.1:${p.client}`),
      user: "test",
      pass: "test",
    });
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.add({ name: "R3", subjects: ["r3.>"], num_replicas: 3 });
    assert.ok(info.cluster?.leader, "no leader");
    assert.equal(info.cluster?.replicas?.length, 2, "not two replicas beside the leader");
    const spans = [info.cluster!.leader, ...info.cluster!.replicas!.map((r) => r.name)].sort();
    assert.deepEqual(spans, [...names].sort());
    await more(dir);
  } finally {
    await nc?.close();
    for (const server of servers) {
      try {
        server.kill("SIGKILL");
      } catch { /* already gone */ }
      await server.status;
    }
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("k8s manifests: the NATS configuration forms a three-node JetStream cluster", async () => {
  const pods = ["nats-0", "nats-1", "nats-2"];
  await withLoopbackCluster(
    natsServerConfig(),
    pods,
    (pod) => `nats://${pod}.nats:6222`,
    async (dir) => {
      // The pod's preStop: nats-server -sl=ldm=<pid file>.
      const signal = await new Deno.Command("nats-server", {
        args: [`-sl=ldm=${join(dir, "nats-2.pid")}`],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(signal.code, 0, new TextDecoder().decode(signal.stderr));
      const deadline = Date.now() + 5_000;
      while (!(await Deno.readTextFile(join(dir, "nats-2.log"))).includes("lame duck")) {
        assert.ok(Date.now() < deadline, "nats-2 did not enter lame duck mode");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  );
});

Deno.test("compose: the cluster profile's NATS configuration forms a three-node cluster", async () => {
  const text = await Deno.readTextFile(new URL("../nats/compose_cluster.conf", import.meta.url));
  await withLoopbackCluster(text, ["nats-1", "nats-2", "nats-3"], (node) => `nats://${node}:6222`);
});
