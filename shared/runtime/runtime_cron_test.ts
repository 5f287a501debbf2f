import assert from "node:assert/strict";
import { createLogger } from "../log/mod.ts";
import { bridgeTransport } from "./bridge_transport.ts";
import { cronSchedule, type CronScheduler, runtimeCron, scheduleOnCron } from "./runtime_cron.ts";

const log = createLogger({ service: "test", level: "error", write: () => {} });

/** A scheduler that records what it was given, as `Deno.cron` would hold it. */
function recordingCron() {
  const registered: {
    name: string;
    schedule: string;
    signal?: AbortSignal;
    run(): Promise<void>;
  }[] = [];
  const cron: CronScheduler = (name, schedule, { signal }, run) => {
    registered.push({ name, schedule, signal, run });
    return new Promise<void>(() => {});
  };
  return { cron, registered };
}

Deno.test("runtime cron: registered where the runtime has one, never required", async (t) => {
  await t.step("no Deno.cron without --unstable-cron: nothing registered", () => {
    assert.equal(runtimeCron(), undefined);
    assert.equal(scheduleOnCron("w", () => Promise.resolve(), log), undefined);
  });

  await t.step("with one: every minute, and unregistered by its stop", async () => {
    const { cron, registered } = recordingCron();
    let ran = 0;
    const stop = scheduleOnCron("w", () => (ran++, Promise.resolve()), log, cron);
    assert.equal(registered.length, 1);
    assert.equal(registered[0].schedule, cronSchedule);
    await registered[0].run();
    assert.equal(ran, 1);
    stop!();
    assert.equal(registered[0].signal?.aborted, true);
  });

  await t.step("a runtime that refuses the cron: logged, not thrown", () => {
    const refusing: CronScheduler = () => {
      throw new TypeError("Deno.cron must be called at the top level");
    };
    assert.equal(scheduleOnCron("w", () => Promise.resolve(), log, refusing), undefined);
  });

  await t.step(
    "the bridge transport's cron runs its tick: the outbox sweep and due work",
    async () => {
      const { cron, registered } = recordingCron();
      const calls: string[] = [];
      const transport = bridgeTransport({
        service: "orders",
        publicKey: {} as CryptoKey,
        routes: new Map(),
        serve: { version: "0", log },
        dispatchers: new Map(),
        periodic: {
          runDue: () => (calls.push("periodic"), Promise.resolve({ sweep: "ran" })),
          stop: () => Promise.resolve(),
        },
        relay: { flush: () => (calls.push("outbox"), Promise.resolve()) } as never,
        log,
        cron,
      });
      assert.deepEqual(registered.map((r) => r.name), ["orders periodic work"]);
      await registered[0].run();
      assert.deepEqual(calls, ["outbox", "periodic"]);
      await transport.stop();
      assert.equal(registered[0].signal?.aborted, true);
    },
  );
});
