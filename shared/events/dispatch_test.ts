import assert from "node:assert/strict";
import { orderPlaced } from "../contracts/mod.ts";
import { createLogger } from "../log/mod.ts";
import { createEvent } from "../outbox/mod.ts";
import { eventDispatcher, type StreamMessage } from "./dispatch.ts";
import { readPayload } from "./payload.ts";
import { on } from "./handler.ts";
import type { InboxTable } from "./inbox.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const notUtf8 = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0xfe, 0x7d]); // {"a":<ff fe>}

Deno.test("payload: a dead letter's reason says what is wrong with the bytes", async (t) => {
  await t.step("no bytes at all", () => {
    assert.deepEqual(readPayload(new Uint8Array()), {
      problem: "not an event: an empty payload",
    });
  });
  await t.step("text that is not JSON: the parser's words, one line", () => {
    const read = readPayload(encode("hello\u001b[7m\nworld"));
    assert.ok("problem" in read);
    assert.match(read.problem, /^not an event: not JSON: \S/);
    assert.doesNotMatch(read.problem, /[\p{Cc}]/u);
  });
  await t.step("bytes that are not UTF-8", () => {
    const read = readPayload(notUtf8);
    assert.ok("problem" in read);
    assert.match(read.problem, /^not an event: not UTF-8, not JSON: /);
  });
  await t.step("JSON that is no object", () => {
    for (const [json, kind] of [["42", "a number"], ["null", "null"], ["[1]", "an array"]]) {
      assert.deepEqual(readPayload(encode(json)), {
        problem: `not an event: the JSON is ${kind}, not an object`,
      });
    }
  });
  await t.step("an object: taken, saying whether it was UTF-8", () => {
    assert.deepEqual(readPayload(encode('{"a":1}')), { value: { a: 1 }, utf8: true });
    const latin1 = new Uint8Array([...encode('{"a":"'), 0xe9, ...encode('"}')]);
    assert.deepEqual(readPayload(latin1), { value: { a: "\ufffd" }, utf8: false });
  });
});

Deno.test("dispatch: a message that is not an event is invalid, with a reason", async (t) => {
  const dispatcher = eventDispatcher({
    service: "test",
    handlers: [on(orderPlaced, () => Promise.resolve(), { reads: [] })],
    // Never reached: an invalid message is refused before the database is asked.
    db: undefined as never,
    inbox: undefined as unknown as InboxTable,
    log: createLogger({ service: "test", level: "error" }),
  });
  const message = (data: Uint8Array): StreamMessage => ({
    subject: orderPlaced.subject,
    data,
    json: <T>() => JSON.parse(new TextDecoder().decode(data)) as T,
  });
  const reasonOf = async (data: Uint8Array) => {
    const planned = await dispatcher.plan(message(data));
    assert.equal(planned.plan, "invalid");
    return planned.reason ?? "";
  };
  await t.step(
    "not JSON, not UTF-8, no object: each says so, never an empty 'missing'",
    async () => {
      assert.match(await reasonOf(encode("hello")), /^not an event: not JSON: ./);
      assert.match(await reasonOf(notUtf8), /^not an event: not UTF-8, not JSON: ./);
      assert.match(await reasonOf(encode("[]")), /^not an event: the JSON is an array/);
    },
  );
  await t.step("an object without the envelope's fields names them", async () => {
    assert.match(await reasonOf(encode("{}")), /^not an event: missing id, type, /);
  });
  await t.step("an event of ours whose text is not UTF-8 is not applied", async () => {
    const placed = createEvent(orderPlaced, {
      orderId: crypto.randomUUID(),
      userId: crypto.randomUUID(),
      items: [{ productId: crypto.randomUUID(), quantity: 1, unitPriceCents: 100 }],
      totalCents: 100,
    }, { source: "test", correlationId: "c-1" });
    const json = JSON.stringify({ ...placed, extra: "@" });
    const at = json.indexOf("@");
    const data = new Uint8Array([
      ...encode(json.slice(0, at)),
      0xff,
      ...encode(json.slice(at + 1)),
    ]);
    assert.match(await reasonOf(data), /^invalid orders\.order\.placed: not UTF-8/);
  });
});
