import assert from "node:assert/strict";
import { devTracing } from "./tracing.ts";

const dashboard = "http://127.0.0.1:8090";
const envOf = (values: Record<string, string>) => (name: string) => values[name];

Deno.test("tracing under deno task dev", async (t) => {
  await t.step("on by default: JSON to the dashboard's receiver", () => {
    const tracing = devTracing(envOf({}), dashboard);
    assert.deepEqual(tracing.env, {
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: dashboard,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${dashboard}/v1/traces`,
      OTEL_BSP_SCHEDULE_DELAY: "500",
    });
    const slower = devTracing(envOf({ OTEL_BSP_SCHEDULE_DELAY: "5000" }), dashboard);
    assert.equal(slower.env.OTEL_BSP_SCHEDULE_DELAY, "5000", "the user's setting wins");
    assert.equal(tracing.forwardTo, undefined);
    assert.equal(tracing.toDashboard, true);
  });

  await t.step(
    "a user's collector is forwarded to, the services still export to the receiver",
    () => {
      const tracing = devTracing(
        envOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318" }),
        dashboard,
      );
      assert.equal(tracing.env.OTEL_EXPORTER_OTLP_ENDPOINT, dashboard);
      assert.equal(tracing.forwardTo, "http://jaeger:4318");
      assert.match(tracing.description, /forwarded to http:\/\/jaeger:4318/);
    },
  );

  await t.step(
    "a user's traces endpoint gets the traces forwarded, the services still export to the receiver",
    () => {
      const tracing = devTracing(
        envOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://tempo:4318/v1/traces" }),
        dashboard,
      );
      // Deno's exporter takes the signal's own variable over the generic one: both are ours.
      assert.equal(tracing.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, `${dashboard}/v1/traces`);
      assert.equal(tracing.env.OTEL_EXPORTER_OTLP_ENDPOINT, dashboard);
      assert.deepEqual(tracing.forwardSignals, { "/v1/traces": "http://tempo:4318/v1/traces" });
      assert.match(tracing.description, /forwarded to http:\/\/tempo:4318\/v1\/traces/);
    },
  );

  await t.step("DEV_TRACING=off: nothing, or straight to the user's collector", () => {
    assert.deepEqual(devTracing(envOf({ DEV_TRACING: "off" }), dashboard).env, {});
    const direct = devTracing(
      envOf({ DEV_TRACING: "OFF", OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318" }),
      dashboard,
    );
    assert.deepEqual(direct.env, { OTEL_DENO: "true" });
    assert.equal(direct.toDashboard, false);
  });

  await t.step("anything else is refused", () => {
    assert.throws(() => devTracing(envOf({ DEV_TRACING: "yes" }), dashboard), /on or off/);
  });
});
