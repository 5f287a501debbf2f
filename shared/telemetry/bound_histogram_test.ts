/**
 * A bound histogram reads as prom-client's own histogram fed the same observations: buckets
 * (a value on a bound counts in it), sum and count, per label set, after a reset too.
 */
import assert from "node:assert/strict";
import { Histogram, Registry } from "prom-client";
import { BoundHistogram } from "./bound_histogram.ts";

const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const labelNames = ["service", "endpoint"];

Deno.test("bound histogram: printed as prom-client prints a histogram of the same values", async () => {
  const [ours, theirs] = [new Registry(), new Registry()];
  const bound = new BoundHistogram("took_seconds", "How long.", labelNames, buckets, [ours]);
  const reference = new Histogram({
    name: "took_seconds",
    help: "How long.",
    labelNames,
    buckets,
    registers: [theirs],
  });
  const a = { service: "catalog", endpoint: "rpc.catalog.get" };
  const b = { service: "catalog", endpoint: "rpc.catalog.quote" };
  const recordA = bound.bind(a);
  const values = [0, 0.0004, 0.001, 0.0011, 0.003, 0.1, 0.7, 2.5, 3, 120];
  for (const value of values) {
    recordA(value);
    reference.observe(a, value);
  }
  // Bound again, or observed by labels: the same series.
  bound.bind({ ...a })(0.02);
  bound.observe(b, 0.2);
  reference.observe(a, 0.02);
  reference.observe(b, 0.2);
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.match(
    await ours.metrics(),
    /took_seconds_count\{service="catalog",endpoint="rpc.catalog.get"\} 11/,
  );

  ours.resetMetrics();
  theirs.resetMetrics();
  recordA(0.004);
  reference.observe(a, 0.004);
  // prom-client forgets a reset series; ours keeps it at zero, as bound recorders may still add.
  const withoutB = (text: string) =>
    text.split("\n").filter((line) => !line.includes("rpc.catalog.quote")).join("\n");
  assert.equal(withoutB(await ours.metrics()), await theirs.metrics());
});
