import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { startNatsCluster } from "../../tests/harness/nats_cluster.ts";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { connectNats, ensureStream, pinStreamReplicas, streamReplicas } from "./mod.ts";

const replicasOf = async (nc: NatsConnection, name: string) =>
  (await (await jetstreamManager(nc)).streams.info(name)).config.num_replicas;

Deno.test("replicas: one on a single server", async () => {
  const server = await startNatsServer({ authorization: false });
  const nc = await connectNats(server.url, "single");
  try {
    assert.equal(streamReplicas(nc), 1);
    await ensureStream(nc, { name: "SINGLE", subjects: ["single.>"] });
    assert.equal(await replicasOf(nc, "SINGLE"), 1);
  } finally {
    await nc.close();
    await server.dispose();
  }
});

Deno.test("replicas: three on a cluster; an R1 stream grows, pinned ones do not", async (t) => {
  const cluster = await startNatsCluster({ authorization: false });
  // A comma-separated NATS_URL, as a service gets it.
  const nc = await connectNats(cluster.url, "owner");
  const pinned = await connectNats(cluster.url, "pinned");
  pinStreamReplicas(pinned, 1);
  try {
    await t.step("three servers announced: three copies", async () => {
      assert.equal(nc.info?.connect_urls?.length, 3);
      assert.equal(streamReplicas(nc), 3);
      await ensureStream(nc, { name: "GROWN", subjects: ["grown.>"] });
      assert.equal(await replicasOf(nc, "GROWN"), 3);
    });
    await t.step("made with one copy, raised to three at its owner's start", async () => {
      const stream = { name: "SMALL", subjects: ["small.>"] };
      await ensureStream(pinned, stream);
      assert.equal(await replicasOf(nc, "SMALL"), 1);
      // A consumer of the stream leaves it as it is; its owner raises it.
      await ensureStream(nc, stream, { update: false });
      assert.equal(await replicasOf(nc, "SMALL"), 1);
      await ensureStream(nc, stream);
      assert.equal(await replicasOf(nc, "SMALL"), 3);
      // Pinned lower, it is lowered; unpinned, never.
      await ensureStream(pinned, stream);
      assert.equal(await replicasOf(nc, "SMALL"), 1);
    });
    await t.step("a server down: a new stream is still made", async () => {
      await cluster.kill(2);
      // Until the other two have a meta leader (the dead one may have been it), JetStream is mute.
      const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 1000 });
      while (!(await jsm.getAccountInfo().then(() => true, () => false))) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const warned: unknown[] = [];
      const log = { warn: (...line: unknown[]) => void warned.push(line) };
      await ensureStream(nc, { name: "DEGRADED", subjects: ["degraded.>"] }, { log });
      // Fewer copies than three are said, never silent: its owner's next start raises them.
      const copies = await replicasOf(nc, "DEGRADED");
      assert.equal(warned.length, copies < 3 ? 1 : 0, `${copies} copies, ${warned.length} warned`);
    });
  } finally {
    await nc.close();
    await pinned.close();
    await cluster.dispose();
  }
});
