import assert from "node:assert/strict";
import { ServiceError } from "../errors/mod.ts";
import { Bulkhead } from "./bulkhead.ts";

/** Work that ends when the test says, after the clock moved by `ms`. */
function gate(clock: { now: number }) {
  const finish: (() => void)[] = [];
  let started = 0;
  return {
    work: (ms: number) => () =>
      new Promise<string>((resolve) => {
        started++;
        finish.push(() => {
          clock.now += ms;
          resolve("done");
        });
      }),
    /** Ends the oldest run still going. */
    endOne: async () => {
      finish.shift()!();
      await new Promise((r) => setTimeout(r, 0));
    },
    get started() {
      return started;
    },
  };
}

const busy = (error: unknown) =>
  error instanceof ServiceError && error.kind === "unavailable" &&
  typeof (error.details as { retryAfterMs: number }).retryAfterMs === "number";

Deno.test("bulkhead", async (t) => {
  await t.step(
    "runs at most `concurrency` at once; the rest wait their turn, in order",
    async () => {
      const clock = { now: 0 };
      const runs = gate(clock);
      const bulkhead = new Bulkhead({
        name: "hashing",
        concurrency: 2,
        maxQueue: 10,
        now: () => clock.now,
      });
      const order: number[] = [];
      const all = [0, 1, 2, 3].map((i) =>
        bulkhead.run(runs.work(100), Infinity).then(() => order.push(i))
      );
      assert.equal(runs.started, 2);
      assert.deepEqual(bulkhead.load, { running: 2, waiting: 2, meanMs: 0 });
      await runs.endOne();
      assert.equal(runs.started, 3);
      for (let i = 0; i < 3; i++) await runs.endOne();
      await Promise.all(all);
      assert.deepEqual(order, [0, 1, 2, 3]);
      assert.equal(bulkhead.load.running, 0);
      assert.ok(bulkhead.load.meanMs > 0, "the run time was measured");
    },
  );

  await t.step(
    "a caller whose turn would come too late is refused at once, with a wait",
    async () => {
      const clock = { now: 0 };
      const runs = gate(clock);
      const bulkhead = new Bulkhead({
        name: "hashing",
        concurrency: 2,
        maxQueue: 10,
        initialEstimateMs: 100,
        now: () => clock.now,
      });
      bulkhead.run(runs.work(100), Infinity);
      bulkhead.run(runs.work(100), Infinity);
      // Next in line starts after one run (100 ms) and takes 100 ms: 200 ms is enough, 150 is not.
      const inTime = bulkhead.run(runs.work(100), 200);
      assert.equal(bulkhead.load.waiting, 1);
      const late = bulkhead.run(runs.work(100), 150);
      assert.equal(bulkhead.load.waiting, 1, "the late caller never queued");
      await Promise.all([
        assert.rejects(late, (error) => {
          assert.ok(busy(error));
          assert.match((error as Error).message, /hashing is busy/);
          return true;
        }),
        (async () => {
          for (let i = 0; i < 3; i++) await runs.endOne();
          assert.equal(await inTime, "done");
        })(),
      ]);
    },
  );

  await t.step("a full line refuses whatever the deadline", async () => {
    const clock = { now: 0 };
    const runs = gate(clock);
    const bulkhead = new Bulkhead({
      name: "hashing",
      concurrency: 1,
      maxQueue: 2,
      now: () => clock.now,
    });
    const admitted = [0, 1, 2].map(() => bulkhead.run(runs.work(10), Infinity));
    await assert.rejects(bulkhead.run(runs.work(10), Infinity), busy);
    for (let i = 0; i < 3; i++) await runs.endOne();
    assert.deepEqual(await Promise.all(admitted), ["done", "done", "done"]);
  });

  await t.step(
    "a waiting caller whose deadline came too near is refused, not started",
    async () => {
      const clock = { now: 0 };
      const runs = gate(clock);
      const bulkhead = new Bulkhead({
        name: "hashing",
        concurrency: 1,
        maxQueue: 5,
        initialEstimateMs: 100,
        now: () => clock.now,
      });
      const first = bulkhead.run(runs.work(500), Infinity); // slower than estimated
      const waiting = assert.rejects(bulkhead.run(runs.work(100), 300), busy);
      await runs.endOne(); // now 500: past what waiting could use
      assert.equal(await first, "done");
      await waiting;
      assert.equal(runs.started, 1, "the late one was never run");
    },
  );

  await t.step("what the work throws is thrown as it is, and frees the turn", async () => {
    const bulkhead = new Bulkhead({ name: "hashing", concurrency: 1, maxQueue: 1 });
    const bug = new Error("bug");
    await assert.rejects(bulkhead.run(() => Promise.reject(bug), Infinity), (e) => e === bug);
    await assert.rejects(
      bulkhead.run(() => {
        throw bug;
      }, Infinity),
      (e) => e === bug,
    );
    assert.equal(await bulkhead.run(() => Promise.resolve(1), Infinity), 1);
    assert.equal(bulkhead.load.running, 0);
  });
});
