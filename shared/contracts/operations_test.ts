import assert from "node:assert/strict";
import {
  isSubject,
  maxSubjectLength,
  operatorActed,
  operatorReason,
  replayRangeRequest,
} from "./operations.ts";

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
    const bad = replayRangeRequest.safeParse({ stream: "ORDERS", subject: "orders..placed" });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues.map((i) => i.path.join(".")), ["subject"]);
    assert.ok(replayRangeRequest.safeParse({ stream: "ORDERS", subject: "orders.>" }).success);
    assert.equal(replayRangeRequest.safeParse({ stream: "x".repeat(33) }).success, false);
  });
});

Deno.test("operator texts: one bounded line, nothing a terminal would obey", async (t) => {
  const escapes = "ok \u001b[7mX\u001b[0m \u001b]0;pwned\u0007";
  await t.step("a reason with escape sequences, NUL, C1, a line break or tab: refused", () => {
    for (const bad of [escapes, "a\u0000b", "a\u009b31mb", "one\ntwo", "a\tb", "a\u2028b", "ab"]) {
      assert.equal(operatorReason.safeParse(bad).success, false, JSON.stringify(bad));
    }
    assert.equal(operatorReason.safeParse("x".repeat(501)).success, false);
  });
  await t.step("a plain reason, in any script, is taken (trimmed)", () => {
    assert.equal(operatorReason.parse("  fixed by hand in Łódź 😀 "), "fixed by hand in Łódź 😀");
  });
  await t.step(
    "the audit event refuses control characters and unbounded text in every field",
    () => {
      const data = operatorActed.schema.shape.data;
      const good = { actor: "ada@example.com", action: "replay", target: "ORDERS", outcome: "ok" };
      assert.equal(data.safeParse(good).success, true);
      for (const field of ["actor", "target", "reason", "outcome"]) {
        assert.equal(data.safeParse({ ...good, [field]: escapes }).success, false, field);
        assert.equal(data.safeParse({ ...good, [field]: "x".repeat(5_000) }).success, false, field);
      }
    },
  );
});
