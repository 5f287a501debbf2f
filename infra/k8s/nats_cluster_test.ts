/**
 * The NATS configuration of the Kubernetes manifests forms a three-node JetStream cluster: the
 * generated text, with each pod's address and volume swapped for a loopback port and a temporary
 * folder, run by three real nats-servers. An R3 stream gets a leader and two replicas, and the
 * pod's pre-stop command puts a server into lame duck mode through its pid file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { freePort } from "../../tests/harness/nats_server.ts";
import { natsServerConfig } from "./nats.ts";

const nodes = [0, 1, 2];

/** The generated configuration of pod `nats-<index>`, on loopback ports and under `dir`. */
function loopbackConfig(
  index: number,
  ports: { client: number; cluster: number; monitor: number }[],
  dir: string,
): string {
  let text = natsServerConfig()
    .replace("listen: 0.0.0.0:4222", `listen: 127.0.0.1:${ports[index].client}`)
    .replace("http: 0.0.0.0:8222", `http: 127.0.0.1:${ports[index].monitor}`)
    .replace("listen: 0.0.0.0:6222", `listen: 127.0.0.1:${ports[index].cluster}`)
    .replace("/var/run/nats/nats.pid", join(dir, `nats-${index}.pid`))
    .replace("/data/jetstream", join(dir, `store-${index}`));
  for (const other of nodes) {
    text = text.replace(
      `nats://nats-${other}.nats:6222`,
      `nats://127.0.0.1:${ports[other].cluster}`,
    );
  }
  return text;
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

Deno.test("k8s manifests: the NATS configuration forms a three-node JetStream cluster", async () => {
  const dir = await Deno.makeTempDir({ prefix: "k8s-nats-cluster-" });
  const ports = nodes.map(() => ({ client: freePort(), cluster: freePort(), monitor: freePort() }));
  await Deno.writeTextFile(
    join(dir, "authorization.conf"),
    'authorization { users: [ { user: "test", password: "test" } ] }\n',
  );
  const servers = await Promise.all(nodes.map(async (index) => {
    const file = join(dir, `nats-${index}.conf`);
    await Deno.writeTextFile(file, loopbackConfig(index, ports, dir));
    return new Deno.Command("nats-server", {
      args: ["-c", file, "-l", join(dir, `nats-${index}.log`)],
      env: { SERVER_NAME: `nats-${index}` },
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
    const info = await jsm.streams.add({ name: "K8S", subjects: ["k8s.>"], num_replicas: 3 });
    assert.ok(info.cluster?.leader, "no leader");
    assert.equal(info.cluster?.replicas?.length, 2, "not two replicas beside the leader");
    const names = [info.cluster!.leader, ...info.cluster!.replicas!.map((r) => r.name)].sort();
    assert.deepEqual(names, ["nats-0", "nats-1", "nats-2"]);

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
});
