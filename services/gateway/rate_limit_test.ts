import assert from "node:assert/strict";
import { TokenBuckets } from "./rate_limit.ts";

Deno.test("token bucket: a burst, then refusals that say how long to wait", () => {
  const clock = { now: 0 };
  const buckets = new TokenBuckets({ burst: 3, perSecond: 2, now: () => clock.now });
  assert.deepEqual([1, 2, 3].map(() => buckets.take("a")), [0, 0, 0]);
  assert.equal(buckets.take("a"), 500);
  clock.now = 500;
  assert.equal(buckets.take("a"), 0);
  assert.equal(buckets.take("a"), 500);
});

Deno.test("token bucket: each key has its own, refilled up to the burst only", () => {
  const clock = { now: 0 };
  const buckets = new TokenBuckets({ burst: 2, perSecond: 1, now: () => clock.now });
  buckets.take("a");
  buckets.take("a");
  assert.ok(buckets.take("a") > 0);
  assert.equal(buckets.take("b"), 0);
  clock.now = 60_000;
  assert.deepEqual([buckets.take("a"), buckets.take("a"), buckets.take("a") > 0], [0, 0, true]);
});

Deno.test("token bucket: the least recently used key is forgotten past maxKeys", () => {
  const buckets = new TokenBuckets({ burst: 1, perSecond: 0.001, maxKeys: 2, now: () => 0 });
  buckets.take("a");
  buckets.take("b");
  buckets.take("c"); // "a" is forgotten: it starts again with a full bucket
  assert.equal(buckets.take("a"), 0);
  assert.ok(buckets.take("c") > 0);
});
