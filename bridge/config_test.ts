import assert from "node:assert/strict";
import { ConfigError, parseConfig } from "../shared/config/mod.ts";
import { serviceHandlers } from "../infra/service_handlers.ts";
import { registry } from "../services/registry.ts";
import { carriedFrom } from "./carried.ts";
import { bridgeConfig } from "./config.ts";

const parse = (env: Record<string, string>) =>
  parseConfig("bridge", bridgeConfig, { BRIDGE_SIGNING_KEY: "k", ...env });

Deno.test("bridge configuration", async (t) => {
  await t.step("BRIDGE_SERVICES gives each carried service its base URL", () => {
    const config = parse({
      BRIDGE_SERVICES: "orders=http://127.0.0.1:8103/, payments=https://payments.example.deno.dev",
    });
    assert.deepEqual(config.BRIDGE_SERVICES, [
      { name: "orders", baseUrl: "http://127.0.0.1:8103" },
      { name: "payments", baseUrl: "https://payments.example.deno.dev" },
    ]);
    assert.equal(config.BRIDGE_TICK_MS, 10_000);
    assert.equal(config.BRIDGE_TIMEOUT_MS, 8_000);
  });

  await t.step("a wrong value is refused naming the variable and the entry", () => {
    const refused = (env: Record<string, string>, message: RegExp) =>
      assert.throws(() => parse(env), (e) => e instanceof ConfigError && message.test(e.message));
    refused({}, /BRIDGE_SERVICES is required/);
    refused({ BRIDGE_SERVICES: " , " }, /BRIDGE_SERVICES names no service/);
    refused({ BRIDGE_SERVICES: "orders" }, /"orders" is not name=url/);
    refused({ BRIDGE_SERVICES: "orders=ftp://x" }, /ftp:\/\/ is not http/);
    refused({ BRIDGE_SERVICES: "orders=http://a,orders=http://b" }, /names orders twice/);
    refused({ BRIDGE_SERVICES: "Orders=http://a" }, /"Orders" is not a service name/);
    refused({ BRIDGE_SERVICES: "orders=http://a?x=1" }, /no query/);
    refused({ BRIDGE_SERVICES: "orders=http://a", BRIDGE_TICK_MS: "soon" }, /BRIDGE_TICK_MS/);
    refused(
      { BRIDGE_SERVICES: "orders=http://a", BRIDGE_TIMEOUT_MS: "10000" },
      /BRIDGE_TIMEOUT_MS must stay under the durables' 10 s ack wait/,
    );
    assert.throws(
      () => parseConfig("bridge", bridgeConfig, { BRIDGE_SERVICES: "orders=http://a" }),
      /BRIDGE_SIGNING_KEY is required/,
    );
  });

  await t.step("only services that serve or react can be carried", () => {
    const carried = carriedFrom(
      [{ name: "payments", baseUrl: "http://p" }],
      registry,
      serviceHandlers,
    );
    assert.equal(carried[0].methods.get("rpc.payments.deposit"), "deposit");
    assert.equal(carried[0].methods.get("ops.payments.ready"), "ready");
    assert.deepEqual(carried[0].streams.map((s) => s.stream.name), ["USERS", "ORDERS", "CATALOG"]);
    assert.throws(
      () => carriedFrom([{ name: "billing", baseUrl: "http://b" }], registry, serviceHandlers),
      /billing, which is no service/,
    );
    assert.throws(
      () => carriedFrom([{ name: "gateway", baseUrl: "http://g" }], registry, serviceHandlers),
      /gateway, which serves and reacts to nothing/,
    );
  });
});
