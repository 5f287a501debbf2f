import assert from "node:assert/strict";
import { type InstanceStats, serviceStatsPrometheus } from "./service_stats.ts";

function instance(name: string, id: string, endpoints: [string, number, number, number][]) {
  return {
    name,
    id,
    version: "1.0.0",
    endpoints: endpoints.map(([subject, requests, errors, nanos]) => ({
      name: subject.split(".").at(-1)!,
      subject,
      num_requests: requests,
      num_errors: errors,
      processing_time: nanos,
      average_processing_time: requests ? nanos / requests : 0,
    })),
  } satisfies InstanceStats;
}

Deno.test("service stats: Prometheus text from the instances' $SRV.STATS", async (t) => {
  await t.step("three counters, a sample per endpoint of each instance", async () => {
    const text = await serviceStatsPrometheus([
      instance("orders", "A1", [["rpc.orders.placeOrder", 3, 1, 1_500_000]]),
      instance("catalog", "B2", [["rpc.catalog.get", 7, 0, 2_000_000_000]]),
    ]);
    const lines = text.split("\n");
    for (
      const metric of [
        "nats_service_requests_total",
        "nats_service_errors_total",
        "nats_service_processing_seconds_total",
      ]
    ) {
      assert.ok(lines.includes(`# TYPE ${metric} counter`), metric);
      assert.ok(lines.some((line) => line.startsWith(`# HELP ${metric} `)), metric);
    }
    const orders =
      'service="orders",instance="A1",version="1.0.0",endpoint="rpc.orders.placeOrder"';
    const catalog = 'service="catalog",instance="B2",version="1.0.0",endpoint="rpc.catalog.get"';
    for (
      const sample of [
        `nats_service_requests_total{${orders}} 3`,
        `nats_service_errors_total{${orders}} 1`,
        `nats_service_processing_seconds_total{${orders}} 0.0015`,
        `nats_service_requests_total{${catalog}} 7`,
        `nats_service_errors_total{${catalog}} 0`,
        `nats_service_processing_seconds_total{${catalog}} 2`,
      ]
    ) assert.ok(lines.includes(sample), `${sample}\nnot in\n${text}`);
  });

  await t.step("label values are escaped: a quote, a backslash, a newline", async () => {
    const text = await serviceStatsPrometheus([
      instance('or"d\\ers\nx', "A1", [["rpc.orders.get", 1, 0, 0]]),
    ]);
    assert.ok(
      text.split("\n").includes(
        'nats_service_requests_total{service="or\\"d\\\\ers\\nx",instance="A1",version="1.0.0",' +
          'endpoint="rpc.orders.get"} 1',
      ),
      text,
    );
    // Every line is a comment or one whole sample (blank ones part the metrics): nothing a name
    // held split one.
    for (const line of text.split("\n").filter((line) => line !== "")) {
      assert.match(line, /^(# (HELP|TYPE) .*|\w+\{(\w+="(\\.|[^"\\])*",?)+\} \S+)$/);
    }
  });

  await t.step("no instance: the counters are declared and have no samples", async () => {
    const lines = (await serviceStatsPrometheus([])).split("\n").filter((line) => line !== "");
    assert.equal(lines.length, 6);
    assert.ok(lines.every((line) => line.startsWith("# ")));
  });
});
