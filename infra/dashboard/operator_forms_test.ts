import assert from "node:assert/strict";
import { Hono } from "hono";
import { ServiceError } from "../../shared/errors/mod.ts";
import { discardForm, formFields, parsed, replayForm, sequenceText } from "./operator_forms.ts";

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
    assert.equal(parsed(sequenceText, "9007199254740991"), Number.MAX_SAFE_INTEGER);
    // 16 digits, but past 2^53 - 1: it would round (shown as #10000000000000000).
    for (const bad of ["0", "-1", "1.5", "x", "", "12345678901234567", "9999999999999999"]) {
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

  await t.step("a replay's subject must lie inside the stream chosen", () => {
    const form = replayForm(["payments"], [{ name: "ORDERS", subjects: ["orders.>"] }]);
    const ask = (subject: string, stream = "ORDERS") =>
      parsed(form, { service: "payments", stream, subject });
    assert.equal(ask("orders.order.placed").subject, "orders.order.placed");
    assert.equal(ask("orders.*.placed").subject, "orders.*.placed");
    assert.equal(ask("orders.>").subject, "orders.>");
    invalid(() => ask("payments.>"), /subject/);
    invalid(() => ask("orders"), /subject/);
    // A stream the form does not know: the service says whether it reacts to it.
    assert.equal(ask("payments.>", "PAYMENTS").stream, "PAYMENTS");
  });

  await t.step("a body that is not a form is invalid, not an internal error", async () => {
    const app = new Hono().post("/", async (c) => c.json(await formFields(c.req)));
    app.onError((error) => {
      assert.ok(error instanceof ServiceError);
      return new Response(error.kind, { status: 400 });
    });
    const post = (type: string, body: string) =>
      app.request("/", { method: "POST", headers: { "content-type": type }, body });
    const form = await post("application/x-www-form-urlencoded", "reason=poison+message");
    assert.deepEqual(await form.json(), { reason: "poison message" });
    for (const type of ["multipart/form-data", "multipart/form-data; boundary=xx"]) {
      const res = await post(type, "garbage");
      assert.equal(res.status, 400, type);
      assert.equal(await res.text(), "invalid");
    }
  });
});
