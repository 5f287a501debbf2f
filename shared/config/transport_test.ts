import assert from "node:assert/strict";
import { ConfigError, parseConfig } from "./mod.ts";
import { transportConfig } from "./transport.ts";

Deno.test("transport config: nats by default; the bridge transport needs the bridge's key", () => {
  assert.deepEqual(parseConfig("orders", transportConfig, {}), { TRANSPORT: "nats" });
  assert.throws(
    () => parseConfig("orders", transportConfig, { TRANSPORT: "bridge" }),
    new ConfigError("config: BRIDGE_PUBLIC_KEY is required with TRANSPORT=bridge"),
  );
  assert.throws(
    () => parseConfig("orders", transportConfig, { TRANSPORT: "http" }),
    (error) => error instanceof ConfigError && /^config: TRANSPORT /.test(error.message),
  );
  assert.equal(
    parseConfig("orders", transportConfig, { TRANSPORT: "bridge", BRIDGE_PUBLIC_KEY: "k" })
      .TRANSPORT,
    "bridge",
  );
});
