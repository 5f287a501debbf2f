import assert from "node:assert/strict";
import { operatorActed } from "../contracts/mod.ts";
import { ServiceError } from "../errors/mod.ts";
import { auditData, auditText, requireReason } from "./audit.ts";

Deno.test("audit: what is recorded after an action always fits the event", async (t) => {
  await t.step("control characters are written as escapes, lone surrogates replaced", () => {
    assert.equal(
      auditText("a\u001b[7m\u0000\nb\u009b\ud800", 100),
      "a\\u001b[7m\\u0000\\u000ab\\u009b\ufffd",
    );
  });
  await t.step("long text is cut to the bound, never inside a surrogate pair", () => {
    const cut = auditText("😀".repeat(100), 11);
    assert.equal(cut, "😀".repeat(5) + "…");
    assert.ok(cut.length <= 11);
  });
  await t.step("an outcome made of a hostile error text still makes a valid event", () => {
    const data = auditData({
      actor: "ops\u0007",
      action: "deadletter.redrive",
      target: "DEADLETTERS#1 \u001b]0;pwned\u0007",
      reason: "why\r\n",
      outcome: "failed: " + "\u001b[31m".repeat(2_000) + "\u0000",
    });
    assert.equal(operatorActed.schema.shape.data.safeParse(data).success, true);
  });
});

Deno.test("audit: a discard's reason is checked before the action", async (t) => {
  await t.step("escape sequences and NUL are `invalid`, naming the reason", () => {
    for (const bad of ["ok \u001b[7mX\u001b[0m \u001b]0;pwned\u0007", "a\u0000b", " "]) {
      assert.throws(
        () => requireReason(bad),
        (error: unknown) => error instanceof ServiceError && error.kind === "invalid",
      );
    }
  });
  await t.step("a plain reason comes back trimmed", () => {
    assert.equal(requireReason(" duplicate of #41 "), "duplicate of #41");
  });
});
