/**
 * The fault table and its watch, on a real nats-server: rules armed and cleared from the FAULTS
 * bucket as the operator writes it, a bucket made after the watch started, a server restart, a
 * value that is no rule, and what each action does with its probability.
 */
import assert from "node:assert/strict";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { connectNats } from "../bus/mod.ts";
import { createLogger } from "../log/mod.ts";
import { clearFault, clearFaults, listFaults, setFault } from "../operator/mod.ts";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { eventually } from "../../tests/harness/eventually.ts";
import {
  armFault,
  disarmFault,
  faultAt,
  FaultInjected,
  faultsArmed,
  faultsBucket,
  injectFault,
  readRule,
  watchFaults,
} from "./mod.ts";

const lines: string[] = [];
const log = createLogger({ service: "kit", level: "debug", write: (line) => lines.push(line) });
const quiet = { log };
/** `probe` polled until it yields something: what the watch did shows in this process's table. */
const until = <T>(probe: () => T | undefined) => eventually(() => Promise.resolve(probe()));

Deno.test("the fault table: each action, with its probability; off costs nothing", async (t) => {
  await t.step("nothing set: no point is armed, and injecting resolves at once", async () => {
    assert.equal(faultsArmed(), false);
    assert.equal(faultAt("kit.rpc.a"), undefined);
    await injectFault("kit.rpc.a");
  });

  await t.step("fail throws an Error naming the point; only at that point", async () => {
    armFault("kit.rpc.a", { action: "fail", probability: 1 }, log);
    try {
      assert.equal(faultsArmed(), true);
      const error = await injectFault("kit.rpc.a").then(() => null, (e) => e);
      assert.ok(error instanceof FaultInjected);
      assert.equal(error.point, "kit.rpc.a");
      assert.match(error.message, /kit\.rpc\.a/);
      await injectFault("kit.rpc.b");
    } finally {
      disarmFault("kit.rpc.a");
    }
    assert.equal(faultsArmed(), false);
  });

  await t.step("probability 0 never fires; 1 always; 0.5 sometimes", async () => {
    const fired = async (probability: number, times: number) => {
      armFault("kit.rpc.a", { action: "fail", probability }, log);
      let n = 0;
      for (let i = 0; i < times; i++) await injectFault("kit.rpc.a").catch(() => n++);
      disarmFault("kit.rpc.a");
      return n;
    };
    assert.equal(await fired(0, 2000), 0);
    assert.equal(await fired(1, 200), 200);
    const half = await fired(0.5, 2000);
    // Binomial(2000, 0.5): outside 800..1200 about once in 10^18 runs.
    assert.ok(half > 800 && half < 1200, `fired ${half} of 2000`);
  });

  await t.step("delay waits at least delayMs, then goes on", async () => {
    armFault("kit.rpc.a", { action: "delay", probability: 1, delayMs: 120 }, log);
    try {
      const started = performance.now();
      await injectFault("kit.rpc.a");
      assert.ok(performance.now() - started >= 115);
    } finally {
      disarmFault("kit.rpc.a");
    }
  });

  await t.step("a value that is no rule says why", () => {
    assert.deepEqual(readRule('{"action":"fail","probability":0.25}'), {
      action: "fail",
      probability: 0.25,
    });
    assert.equal(readRule("fail"), "not JSON");
    assert.match(readRule('{"action":"explode","probability":1}') as string, /^action:/);
    assert.match(readRule('{"action":"fail","probability":1.5}') as string, /^probability:/);
    assert.match(readRule('{"action":"delay","probability":1}') as string, /delayMs/);
    assert.match(readRule('{"action":"fail","probability":1,"extra":1}') as string, /extra/);
    assert.match(readRule("[]") as string, /expected object/);
    assert.match(readRule(" ".repeat(2000)) as string, /2000 characters/);
  });
});

Deno.test({
  name: "the fault watch: follows the bucket, from before it exists and across a lost store",
  sanitizeResources: false,
  fn: async (t) => {
    const server = await startNatsServer({ authorization: false });
    const connections: NatsConnection[] = [];
    const connect = async () => {
      const nc = await connectNats(server.url, "kit");
      connections.push(nc);
      return nc;
    };
    const operator = await connect();
    const nc = await connect();
    const watch = await watchFaults(nc, { service: "kit", log, retryMs: 50 });
    const other = await watchFaults(await connect(), { service: "other", log, retryMs: 50 });
    try {
      await t.step("no bucket: the service starts, faults off", () => {
        assert.equal(faultsArmed(), false);
        assert.ok(lines.some((line) => line.includes("no faults bucket yet")));
      });

      await t.step("the operator makes the bucket and sets a fault: it is armed", async () => {
        await setFault(operator, "kit.rpc.a", { action: "fail", probability: 1 }, quiet);
        assert.deepEqual(await until(() => faultAt("kit.rpc.a")), {
          action: "fail",
          probability: 1,
        });
        const listed = await listFaults(operator);
        assert.deepEqual(listed.map((f) => [f.point, f.rule]), [
          ["kit.rpc.a", { action: "fail", probability: 1 }],
        ]);
      });

      await t.step("a change and a clear follow", async () => {
        await setFault(
          operator,
          "kit.rpc.a",
          { action: "delay", probability: 1, delayMs: 5 },
          quiet,
        );
        await until(() => faultAt("kit.rpc.a")?.action === "delay" || undefined);
        assert.equal(await clearFault(operator, "kit.rpc.a", quiet), true);
        await until(() => faultAt("kit.rpc.a") === undefined || undefined);
        assert.equal(faultsArmed(), false);
        assert.equal(await clearFault(operator, "kit.rpc.a", quiet), false);
      });

      await t.step("each service arms only its own points", async () => {
        await setFault(operator, "other.rpc.b", { action: "fail", probability: 1 }, quiet);
        await setFault(operator, "kit.rpc.c", { action: "fail", probability: 1 }, quiet);
        await until(() => faultAt("kit.rpc.c"));
        await until(() => faultAt("other.rpc.b"));
        await other.stop();
        assert.equal(faultAt("other.rpc.b"), undefined);
        assert.ok(faultAt("kit.rpc.c"));
      });

      await t.step("a value that is no rule is ignored: logged, the point off", async () => {
        const kv = await new Kvm(operator).open(faultsBucket);
        await kv.put("kit.rpc.c", '{"action":"explode","probability":1}');
        await until(() => faultAt("kit.rpc.c") === undefined || undefined);
        assert.ok(
          lines.some((line) => line.includes("fault ignored") && line.includes("kit.rpc.c")),
        );
        const [listed] = (await listFaults(operator)).filter((f) => f.point === "kit.rpc.c");
        assert.equal(listed.rule, null);
        assert.match(listed.problem!, /action/);
      });

      await t.step(
        "a server back without its store: its faults gone, new ones arrive",
        async () => {
          const rule = { action: "fail", probability: 1 } as const;
          await setFault(operator, "kit.rpc.e", rule, quiet);
          await until(() => faultAt("kit.rpc.e"));
          await server.stop();
          await server.wipeStore();
          await server.start();
          await until(() => faultAt("kit.rpc.e") === undefined || undefined);
          // The operator's first try may meet a connection not yet back: it tries again.
          await eventually(() =>
            setFault(operator, "kit.rpc.d", rule, quiet).catch(() => undefined)
          );
          await until(() => faultAt("kit.rpc.d"));
          assert.deepEqual(await clearFaults(operator, quiet), ["kit.rpc.d"]);
          await until(() => !faultsArmed() || undefined);
        },
      );
    } finally {
      await watch.stop();
      await other.stop();
      for (const connection of connections) await connection.close();
      await server.dispose();
    }
  },
});
