import assert from "node:assert/strict";
import { registry } from "../../services/registry.ts";
import { bridgePermissions } from "./bridge_permissions.ts";

Deno.test("the bridge's permissions follow the services it carries, and nothing else", () => {
  const orders = bridgePermissions(["orders"], registry);
  assert.ok(orders.subscribe.allow.includes("rpc.orders.> orders"));
  assert.ok(orders.subscribe.allow.includes("$SRV.INFO.orders.*"));
  assert.ok(orders.publish.allow.includes("$JS.ACK.PAYMENTS.orders.>"));
  assert.ok(orders.publish.allow.includes("deadletter.orders.>"));
  assert.equal(orders.allowResponses, 1);
  const everything = [...orders.publish.allow, ...orders.subscribe.allow].join(" ");
  // Nobody else's subjects, durables or dead letters; no event of anyone; no delete.
  assert.doesNotMatch(everything, /payments\.>|rpc\.payments|\.payments\b|orders\.order|DELETE/);
  assert.ok(orders.publish.deny.includes("$JS.API.CONSUMER.MSG.NEXT.PAYMENTS.catalog"));

  const both = bridgePermissions(["orders", "payments"], registry);
  assert.ok(both.subscribe.allow.includes("rpc.payments.> payments"));
  assert.equal(both.allowResponses, 2);
  // Two carried services reading one stream: neither's durable is denied to it.
  assert.ok(
    !both.publish.deny.some((s) => s.endsWith(".CATALOG.orders") || s.includes(".payments")),
  );

  assert.deepEqual(bridgePermissions([], registry).subscribe.allow, ["_INBOX.bridge.>"]);
  assert.throws(() => bridgePermissions(["billing"], registry), /billing, which no service is/);
  assert.throws(() => bridgePermissions(["gateway"], registry), /serves and reacts to nothing/);
});
