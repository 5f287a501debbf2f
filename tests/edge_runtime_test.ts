/**
 * The simulated edge runtime (tests/harness/edge_runtime.ts) behaves as Deno Deploy does for the
 * tests that rely on it: nothing runs before the first request, which starts an instance and is
 * answered by it; the instance stops after the idle time and the next request starts another; two
 * instances take requests in turn; an instance has no file system.
 */
import assert from "node:assert/strict";
import { startEdgeRuntime } from "./harness/edge_runtime.ts";

const entry = "tests/fixtures/edge_instance.ts";

async function pidOf(url: string): Promise<number> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  return (await response.json()).pid;
}

Deno.test("edge runtime: started by a request, stopped when idle, two at once", async (t) => {
  const edge = startEdgeRuntime({
    name: "fixture",
    entry,
    env: { EDGE_GREETING: "hello" },
    idleMs: 300,
  });
  try {
    await t.step(
      "nothing runs until a request comes; it is answered by a new instance",
      async () => {
        assert.equal(edge.running(), 0);
        const response = await fetch(`${edge.url}/`);
        assert.deepEqual(Object.keys(await response.json()), ["pid", "env"]);
        assert.equal(edge.running(), 1);
        assert.equal(edge.coldStarts.length, 1);
        assert.ok(edge.coldStarts[0].ms > 0);
      },
    );

    await t.step("the next request goes to the same instance, with its body", async () => {
      const echoed = await fetch(`${edge.url}/echo?x=1`, { method: "POST", body: "some bytes" });
      assert.equal(await echoed.text(), "some bytes");
      assert.equal(edge.coldStarts.length, 1);
      assert.deepEqual(edge.served.at(-1), {
        method: "POST",
        path: "/echo?x=1",
        instance: 0,
        status: 200,
        arrival: 1,
      });
    });

    await t.step("it has the deployment's environment and no file system", async () => {
      const response = await fetch(`${edge.url}/`);
      assert.equal((await response.json()).env, "hello");
      const read = await (await fetch(`${edge.url}/read`)).json();
      assert.deepEqual(read, { read: false, error: "NotCapable" });
    });

    await t.step("idle, it stops; the next request starts another instance", async () => {
      const before = await pidOf(`${edge.url}/`);
      await edge.asleep();
      assert.equal(edge.running(), 0);
      const after = await pidOf(`${edge.url}/`);
      assert.notEqual(after, before);
      assert.equal(edge.coldStarts.length, 2);
    });
  } finally {
    await edge.close();
  }

  await t.step("two instances take requests in turn, each started on its own", async () => {
    const two = startEdgeRuntime({ name: "fixture", entry, env: {}, instances: 2, idleMs: 5000 });
    try {
      const pids = [];
      for (let i = 0; i < 4; i++) pids.push(await pidOf(`${two.url}/`));
      assert.equal(two.running(), 2);
      assert.equal(pids[0], pids[2]);
      assert.equal(pids[1], pids[3]);
      assert.notEqual(pids[0], pids[1]);
      assert.deepEqual(two.coldStarts.map((start) => start.instance), [0, 1]);
      await two.kill(0);
      assert.equal(two.running(), 1);
    } finally {
      await two.close();
    }
    assert.equal(two.running(), 0);
  });
});
