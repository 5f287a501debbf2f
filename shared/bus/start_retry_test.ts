import assert from "node:assert/strict";
import { TimeoutError } from "@nats-io/nats-core";
import { createLogger } from "../log/mod.ts";
import { retryAtStart } from "./start_retry.ts";

const log = createLogger({ service: "test", level: "error" });

Deno.test("a start-up step is tried again while JetStream times out, and only then", async (t) => {
  await t.step("a timeout, then success: the step's value, after trying again", async () => {
    let calls = 0;
    const value = await retryAtStart("declaring", () => {
      calls++;
      return calls < 3 ? Promise.reject(new TimeoutError()) : Promise.resolve("declared");
    }, { log });
    assert.equal(value, "declared");
    assert.equal(calls, 3);
  });

  await t.step("a refusal is thrown at once", async () => {
    let calls = 0;
    const refused = new Error(
      'Permissions Violation for Publish to "$JS.API.STREAM.CREATE.ORDERS"',
    );
    await assert.rejects(
      retryAtStart("declaring", () => (calls++, Promise.reject(refused)), { log }),
      (error) => error === refused,
    );
    assert.equal(calls, 1);
  });

  await t.step("past its time, the last timeout is thrown", async () => {
    let calls = 0;
    await assert.rejects(
      retryAtStart("declaring", () => (calls++, Promise.reject(new TimeoutError())), {
        log,
        withinMs: 600,
      }),
      TimeoutError,
    );
    assert.ok(calls >= 2 && calls <= 3, `${calls} calls`);
  });
});
