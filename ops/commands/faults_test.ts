import assert from "node:assert/strict";
import { requirePoint } from "../../shared/operator/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";
import { UsageError } from "../cli.ts";
import { faultLine, ruleOf } from "./faults.ts";

Deno.test("ops faults: the command line's rule and point, refused before anything is written", async (t) => {
  await t.step("a rule from the action and options; probability 1 unless told", () => {
    assert.deepEqual(ruleOf("fail", {}), { action: "fail", probability: 1 });
    assert.deepEqual(ruleOf("delay", { "delay-ms": "250", probability: "0.5" }), {
      action: "delay",
      probability: 0.5,
      delayMs: 250,
    });
    assert.deepEqual(ruleOf("exit", { probability: "0" }), { action: "exit", probability: 0 });
  });

  await t.step("an unknown action, a delay without --delay-ms, a bad number: usage errors", () => {
    assert.throws(() => ruleOf("explode", {}), UsageError);
    assert.throws(() => ruleOf("delay", {}), /--delay-ms/);
    assert.throws(() => ruleOf("fail", { probability: "half" }), /--probability/);
    assert.throws(() => ruleOf("fail", { probability: "" }), /--probability/);
  });

  await t.step("the points the services have are names; anything else is invalid", () => {
    for (
      const point of [
        "payments.handle.orders.order.placed.before_commit",
        "catalog.handle.payments.payment.charged.after_commit",
        "orders.relay.before_publish",
        "orders.rpc.placeOrder",
      ]
    ) assert.equal(requirePoint(point), point);
    for (
      const point of [
        "orders",
        "orders.rpc",
        "rpc.orders.placeOrder",
        "orders.handle.orders.order.placed",
        "orders.handle.orders.order.placed.during_commit",
        "orders.relay.after_publish",
        "orders.rpc.place order",
        "Orders.rpc.placeOrder",
        "orders.rpc.>",
      ]
    ) {
      assert.throws(
        () => requirePoint(point),
        (e) => e instanceof ServiceError && e.kind === "invalid",
        point,
      );
    }
  });

  await t.step("a listed value the services ignore says so", () => {
    const setAt = "2026-11-30T10:00:00.000Z";
    assert.equal(
      faultLine({
        point: "a.rpc.b",
        rule: { action: "fail", probability: 0.5 },
        revision: 1,
        setAt,
      }),
      `a.rpc.b  fail p=0.5  set ${setAt}`,
    );
    assert.match(
      faultLine({ point: "a.rpc.b", rule: null, problem: "not JSON", revision: 2, setAt }),
      /ignored by the services: not JSON/,
    );
  });
});
