import assert from "node:assert/strict";
import { JetStreamApiError } from "@nats-io/jetstream";
import { NoRespondersError, RequestError } from "@nats-io/nats-core";
import {
  isConsumerInUse,
  isConsumerOrStreamNotFound,
  isNoResponders,
  isStreamNameInUse,
  isStreamNotFound,
} from "./jetstream_errors.ts";

const apiError = (err_code: number, description = "worded otherwise") =>
  new JetStreamApiError({ code: 400, err_code, description });

Deno.test("JetStream errors are told apart by their API code, not their text", async (t) => {
  await t.step("stream not found is 10059 alone", () => {
    assert.ok(isStreamNotFound(apiError(10059)));
    assert.ok(!isStreamNotFound(apiError(10014)));
    assert.ok(!isStreamNotFound(new Error("stream not found")));
  });
  await t.step("a consumer's look-up: its own 10014 or its stream's 10059", () => {
    assert.ok(isConsumerOrStreamNotFound(apiError(10014)));
    assert.ok(isConsumerOrStreamNotFound(apiError(10059)));
    assert.ok(!isConsumerOrStreamNotFound(apiError(10058)));
    assert.ok(!isConsumerOrStreamNotFound(new Error("consumer not found")));
  });
  await t.step(
    "a lost race to create: 10058 for a stream, 10013/10105/10148 for a consumer",
    () => {
      assert.ok(isStreamNameInUse(apiError(10058)));
      assert.ok(!isStreamNameInUse(apiError(10013)));
      for (const code of [10013, 10105, 10148]) assert.ok(isConsumerInUse(apiError(code)));
      assert.ok(!isConsumerInUse(apiError(10058)));
      assert.ok(!isConsumerInUse(new Error("consumer already exists")));
    },
  );
  await t.step("no responders, bare or wrapped as nats.js wraps it for a publish", () => {
    const request = new RequestError("no responders", { cause: new NoRespondersError("a.b") });
    assert.ok(isNoResponders(new NoRespondersError("a.b")));
    assert.ok(isNoResponders(request));
    assert.ok(isNoResponders(new Error("jetstream is not enabled", { cause: request })));
    assert.ok(!isNoResponders(new RequestError("timeout")));
    assert.ok(!isNoResponders(new Error("no responders")));
  });
});
