import assert from "node:assert/strict";
import { ServiceError } from "../../shared/errors/mod.ts";
import { discardForm, parsed, replayForm, sequenceText } from "./operator_forms.ts";

const invalid = (run: () => unknown, field: RegExp) =>
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ServiceError);
    assert.equal(error.kind, "invalid");
    assert.match(JSON.stringify(error.details), field);
    return true;
  });

Deno.test("the Events page's forms", async (t) => {
  await t.step("a sequence: a positive whole number", () => {
    assert.equal(parsed(sequenceText, "42"), 42);
    for (const bad of ["0", "-1", "1.5", "x", "", "12345678901234567"]) {
      invalid(() => parsed(sequenceText, bad), /sequence/);
    }
  });

  await t.step("a discard needs a reason of one line, 3 characters or more", () => {
    assert.equal(parsed(discardForm, { reason: "poison message" }).reason, "poison message");
    invalid(() => parsed(discardForm, { reason: "x" }), /reason/);
    invalid(() => parsed(discardForm, { reason: "two\nlines" }), /reason/);
    invalid(() => parsed(discardForm, {}), /reason/);
  });

  await t.step("a replay dry run: a known service, a stream's name, blank fields absent", () => {
    const form = replayForm(["orders", "payments"]);
    const read = parsed(form, {
      service: "orders",
      stream: "PAYMENTS",
      subject: "",
      fromSeq: "3",
      toSeq: "",
    });
    // As it goes to the service: JSON, where an absent field and an undefined one are the same.
    assert.deepEqual(JSON.parse(JSON.stringify(read)), {
      service: "orders",
      stream: "PAYMENTS",
      fromSeq: 3,
    });
    invalid(() => parsed(form, { service: "billing", stream: "ORDERS" }), /service/);
    invalid(() => parsed(form, { service: "orders", stream: "orders stream" }), /stream/);
    invalid(
      () => parsed(form, { service: "orders", stream: "ORDERS", subject: "a..b" }),
      /subject/,
    );
  });
});
