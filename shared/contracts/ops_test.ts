import assert from "node:assert/strict";
import { isSubject, maxSubjectLength, replayRange } from "./ops.ts";

Deno.test("NATS subjects and filters: what the server takes, and nothing it chokes on", async (t) => {
  await t.step("subjects, wildcards and stream names are taken", () => {
    for (
      const subject of [
        "ORDERS",
        "orders.order.placed",
        "orders.*.placed",
        "orders.>",
        ">",
        "*",
        "a-b_c.d",
        "x".repeat(maxSubjectLength),
      ]
    ) {
      assert.ok(isSubject(subject), subject);
    }
  });

  await t.step("empty tokens, white space, misplaced wildcards and long ones are not", () => {
    for (
      const subject of [
        "",
        ".",
        "orders.",
        ".orders",
        "orders..placed",
        "orders.order placed",
        "orders.order\tplaced",
        "orders.\u0000",
        "orders.>.placed",
        "orders.o*",
        "orders.a>",
        ">.orders",
        "x".repeat(maxSubjectLength + 1),
      ]
    ) {
      assert.ok(!isSubject(subject), JSON.stringify(subject));
    }
  });

  await t.step("a replay range's subject is checked by its contract", () => {
    const bad = replayRange.safeParse({ stream: "ORDERS", subject: "orders..placed" });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues.map((i) => i.path.join(".")), ["subject"]);
    assert.ok(replayRange.safeParse({ stream: "ORDERS", subject: "orders.>" }).success);
    assert.equal(replayRange.safeParse({ stream: "x".repeat(33) }).success, false);
  });
});
